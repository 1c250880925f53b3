using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Containerd;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Images.Tests;

/// <summary>
/// Which archives get imported, and where `timonel image import` finds nodes. A stand-in `ctr`
/// (a shell script that logs its arguments) takes the place of containerd's; real imports are
/// tested end to end in Timonel.Kubelet.E2E.Tests.
/// </summary>
public sealed class ImageAutoImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-autoimport-").FullName;
    private readonly string _ctr;
    private readonly string _ctrLog;

    public ImageAutoImportTests()
    {
        _ctrLog = Path.Combine(_dir, "ctr.log");
        _ctr = Path.Combine(_dir, "fake-ctr");
        File.WriteAllText(_ctr, $"#!/bin/sh\ncase \"$*\" in *broken*) echo 'ctr: unrecognized image format' >&2; exit 1;; esac\necho \"$*\" >> '{_ctrLog}'\n");
        File.SetUnixFileMode(_ctr, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string AgentDir => Path.Combine(_dir, "agent");

    private ContainerdPaths Containerd => ContainerdPaths.For(new ContainerdOptions { DataDir = Path.Combine(AgentDir, "containerd") });

    private string[] Imported() => File.Exists(_ctrLog) ? File.ReadAllLines(_ctrLog).Select(l => Path.GetFileName(l.Split(' ')[^1])).ToArray() : [];

    private string Archive(string name, string content)
    {
        var path = Path.Combine(AgentDir, "images", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private Task<IReadOnlyList<AutoImportResult>> RunAsync() =>
        ImageAutoImport.RunAsync(AgentDir, Containerd, NullLogger.Instance, CancellationToken.None, _ctr);

    [Fact]
    public async Task Every_tar_is_imported_once_until_it_changes()
    {
        Directory.CreateDirectory(Containerd.DataDir);
        var app = Archive("app.tar", "v1");
        Archive("base.tar", "base");
        Archive("notes.txt", "not an archive");

        await RunAsync();
        Assert.Equal(["app.tar", "base.tar"], Imported());

        var again = await RunAsync();
        Assert.All(again, r => Assert.True(r.Skipped));
        Assert.Equal(2, Imported().Length);

        File.WriteAllText(app, "v2, longer");
        await RunAsync();
        Assert.Equal(["app.tar", "base.tar", "app.tar"], Imported());
    }

    [Fact]
    public async Task Imports_go_to_the_nodes_containerd_in_the_cri_namespace()
    {
        Directory.CreateDirectory(Containerd.DataDir);
        Archive("app.tar", "v1");
        await RunAsync();
        Assert.Equal($"--address {Containerd.Socket} --namespace k8s.io images import {Path.Combine(AgentDir, "images", "app.tar")}", File.ReadAllLines(_ctrLog).Single());
    }

    [Fact]
    public async Task A_failing_archive_is_reported_and_retried_at_the_next_start()
    {
        Directory.CreateDirectory(Containerd.DataDir);
        Archive("broken.tar", "x");
        Archive("good.tar", "y");

        var results = await RunAsync();
        Assert.Contains("unrecognized image format", results.Single(r => r.Archive.EndsWith("broken.tar", StringComparison.Ordinal)).Error, StringComparison.Ordinal);
        Assert.Null(results.Single(r => r.Archive.EndsWith("good.tar", StringComparison.Ordinal)).Error);

        var second = await RunAsync();
        Assert.False(second.Single(r => r.Archive.EndsWith("broken.tar", StringComparison.Ordinal)).Skipped);
        Assert.True(second.Single(r => r.Archive.EndsWith("good.tar", StringComparison.Ordinal)).Skipped);
    }

    [Fact]
    public async Task A_wiped_containerd_forgets_what_it_had_imported()
    {
        Directory.CreateDirectory(Containerd.DataDir);
        Archive("app.tar", "v1");
        await RunAsync();
        Directory.Delete(Containerd.DataDir, recursive: true);
        Directory.CreateDirectory(Containerd.DataDir);
        await RunAsync();
        Assert.Equal(["app.tar", "app.tar"], Imported());
    }

    [Fact]
    public void Local_nodes_are_the_up_node_and_those_under_nodes()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "agent", "containerd"));
        File.WriteAllText(Path.Combine(_dir, "agent", LocalNodeImages.NodeNameFile), "laptop\n");
        Directory.CreateDirectory(Path.Combine(_dir, "nodes", "worker-2", "agent", "containerd"));
        Directory.CreateDirectory(Path.Combine(_dir, "nodes", "never-started", "agent"));

        var nodes = LocalNodeImages.Find(_dir);
        Assert.Equal(["laptop", "worker-2"], nodes.Select(n => n.Name));
        Assert.Equal(Path.Combine(_dir, "nodes", "worker-2", "agent", "containerd", "containerd.sock"), nodes[1].Containerd.Socket);
    }

    [Fact]
    public async Task A_stopped_node_gets_the_archive_in_its_images_directory()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "agent", "containerd"));
        var archive = Path.Combine(_dir, "app.tar");
        File.WriteAllText(archive, "archive");
        var node = LocalNodeImages.Find(_dir).Single();

        var outcome = await LocalNodeImages.ImportAsync(node, archive, CancellationToken.None, _ctr);

        Assert.Equal(NodeImportOutcome.Queued, outcome);
        Assert.Equal("archive", File.ReadAllText(Path.Combine(_dir, "agent", "images", "app.tar")));
        Assert.Empty(Imported());
    }
}
