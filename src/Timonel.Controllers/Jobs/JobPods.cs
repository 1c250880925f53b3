using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Controllers.Endpoints;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Jobs;

/// <summary>The pods of a Job: how they are made from the template, and the index they carry.</summary>
internal static class JobPods
{
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";
    public const string CompletionIndexKey = "batch.kubernetes.io/job-completion-index";

    public static V1Pod New(V1Job job, int? index)
    {
        var template = job.Spec.Template;
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var spec = ObjectCopy.Clone(template.Spec);
        if (index is { } i)
        {
            var text = i.ToString(CultureInfo.InvariantCulture);
            labels[CompletionIndexKey] = text;
            annotations[CompletionIndexKey] = text;
            spec.Hostname ??= $"{job.Metadata.Name}-{text}";
            foreach (var container in spec.Containers.Concat(spec.InitContainers ?? []))
            {
                container.Env ??= [];
                if (!container.Env.Any(e => e.Name == "JOB_COMPLETION_INDEX"))
                {
                    container.Env.Add(new V1EnvVar
                    {
                        Name = "JOB_COMPLETION_INDEX",
                        ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.annotations['{CompletionIndexKey}']" } },
                    });
                }
            }
        }
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                GenerateName = index is { } n ? $"{job.Metadata.Name}-{n}-" : job.Metadata.Name + "-",
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = annotations.Count > 0 ? annotations : null,
                Finalizers = [TrackingFinalizer],
                OwnerReferences = [OwnerRefs.NewControllerRef(job, "batch/v1", "Job")],
            },
            Spec = spec,
        };
    }

    public static int? IndexOf(V1Pod pod)
    {
        var text = pod.Metadata.Annotations?.TryGetValue(CompletionIndexKey, out var a) == true ? a
            : pod.Metadata.Labels?.TryGetValue(CompletionIndexKey, out var l) == true ? l : null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;
    }

    /// <summary>A pod the job counts as active: neither finished nor being deleted.</summary>
    public static bool IsActive(V1Pod pod) => !PodFacts.IsFinished(pod) && !PodFacts.IsTerminating(pod);

    public static bool HasTrackingFinalizer(V1Pod pod) => pod.Metadata.Finalizers?.Contains(TrackingFinalizer) == true;

    /// <summary>Removes the tracking finalizer, failing (409/422) rather than dropping another writer's change.</summary>
    public static async Task<ApiResult<V1Pod>> RemoveFinalizerAsync(ApiConnection api, V1Pod pod, CancellationToken ct)
    {
        var index = pod.Metadata.Finalizers.IndexOf(TrackingFinalizer);
        var path = $"/metadata/finalizers/{index}";
        var patch = JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object> { ["op"] = "test", ["path"] = path, ["value"] = TrackingFinalizer },
            new Dictionary<string, object> { ["op"] = "remove", ["path"] = path },
        });
        return await api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, PatchType.Json, patch, ct: ct);
    }

    /// <summary>"1,3-5,7" from a set of indexes, as status.completedIndexes writes them.</summary>
    public static string FormatIndexes(IEnumerable<int> indexes)
    {
        var sorted = indexes.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    public static HashSet<int> ParseIndexes(string? text)
    {
        var set = new HashSet<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            if (ends.Length == 1 && int.TryParse(ends[0], CultureInfo.InvariantCulture, out var one))
            {
                set.Add(one);
            }
            else if (ends.Length == 2 && int.TryParse(ends[0], CultureInfo.InvariantCulture, out var from) && int.TryParse(ends[1], CultureInfo.InvariantCulture, out var to))
            {
                for (var i = from; i <= to; i++)
                {
                    set.Add(i);
                }
            }
        }
        return set;
    }
}
