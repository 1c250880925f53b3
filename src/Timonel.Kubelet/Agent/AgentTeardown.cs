using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Agent;

/// <summary>
/// Removes everything a stopped agent left running or mounted, for `timonel down` and tests:
/// the containerd it left running (<see cref="AgentContainerd"/>), every container (runc, shims),
/// the mounts under the agent dir (containerd's, and pods' tmpfs volumes), the node's cgroup tree
/// (<see cref="AgentOptions.CgroupRootFor"/>; and <c>/timonel</c> when empty), and the agent dir itself. Every step
/// runs even if one before it failed; the failures are returned.
/// </summary>
public static class AgentTeardown
{
    public static async Task<IReadOnlyList<string>> RemoveAllAsync(string agentDir, string? nodeName = null)
    {
        var failures = new List<string>();
        async Task Step(string what, Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                failures.Add($"{what}: {e.Message}");
            }
        }
        var nameFile = Path.Combine(agentDir, LocalNodeImages.NodeNameFile);
        nodeName ??= File.Exists(nameFile) ? File.ReadAllText(nameFile).Trim() : null;
        var containerdDir = Path.Combine(agentDir, "containerd");
        await Step("stop containerd", () => AgentContainerd.StopLeftRunningAsync(containerdDir));
        if (Directory.Exists(containerdDir))
        {
            await Step("remove containers", () => ContainerdTeardown.RemoveAllAsync(ContainerdPaths.For(new ContainerdOptions { DataDir = containerdDir })));
        }
        await Step("unmount pod volumes", () =>
        {
            ContainerdTeardown.UnmountUnder(agentDir);
            return Task.CompletedTask;
        });
        if (!string.IsNullOrEmpty(nodeName))
        {
            await Step("remove cgroups", async () =>
            {
                var root = AgentOptions.CgroupRootFor(agentDir, nodeName);
                var left = await CgroupTree.RemoveAsync(root);
                if (left > 0)
                {
                    throw new InvalidOperationException($"{left} cgroup directories of {root} remain");
                }
            });
        }
        foreach (var hierarchy in CgroupTree.HierarchyRoots())
        {
            try
            {
                Directory.Delete(Path.Combine(hierarchy, "timonel"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Absent, or another node's pods are under it.
            }
        }
        await Step("remove the agent dir", () =>
        {
            if (Directory.Exists(agentDir))
            {
                Directory.Delete(agentDir, recursive: true);
            }
            return Task.CompletedTask;
        });
        return failures;
    }
}
