using System.Reflection;
using System.Text.Json.Serialization;
using Timonel.Api.Protobuf;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>The table's JSON names agree with the KubernetesClient models (an independent source).</summary>
public sealed class ProtobufSchemaTests
{
    // Kubernetes v1.35 alpha fields that KubernetesClient 21.0.8's models do not have yet.
    private static readonly string[] NewerThanModels = ["core.PodSpec.workloadRef (field 42) not on V1PodSpec"];

    [Fact]
    public void JsonNamesExistOnTheKubernetesClientModels()
    {
        // autoscaling's messages are v2 (V2HorizontalPodAutoscalerSpec), every other group's v1.
        var models = typeof(k8s.Models.V1Pod).Assembly.GetTypes()
            .Where(t => t.Namespace == "k8s.Models" && (t.Name.StartsWith("V1", StringComparison.Ordinal) || t.Name.StartsWith("V2", StringComparison.Ordinal)))
            .ToDictionary(t => t.Name);
        var checkedMessages = 0;
        var problems = new List<string>();
        foreach (var message in ProtobufSchema.Messages.Values)
        {
            var version = message.Name.StartsWith("autoscaling.", StringComparison.Ordinal) ? "V2" : "V1";
            if (!models.TryGetValue(version + message.Name[(message.Name.IndexOf('.') + 1)..], out var model))
            {
                continue;
            }
            checkedMessages++;
            var names = model.GetProperties()
                .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
                .ToHashSet();
            foreach (var field in message.Fields.Values.Where(f => !f.Inline && !names.Contains(f.JsonName)))
            {
                problems.Add($"{message.Name}.{field.JsonName} (field {field.Number}) not on {model.Name}");
            }
        }
        Assert.True(checkedMessages > 150, $"only {checkedMessages} messages matched a model");
        Assert.Equal(NewerThanModels, problems);
    }

    [Fact]
    public void EveryMessageIsReachableFromASupportedKind()
    {
        var reached = new HashSet<string>();
        var todo = new Stack<MessageSchema>(ProtobufSchema.TopLevel.Values.Select(n => ProtobufSchema.Messages[n]));
        while (todo.TryPop(out var message))
        {
            if (reached.Add(message.Name))
            {
                foreach (var field in message.Fields.Values.Where(f => f.Message is not null))
                {
                    todo.Push(field.Message!);
                }
            }
        }
        Assert.Equal(ProtobufSchema.Messages.Keys.Order(), reached.Order());
    }
}
