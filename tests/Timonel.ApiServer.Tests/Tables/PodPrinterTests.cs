using static Timonel.ApiServer.Tests.Tables.PrinterAssert;

namespace Timonel.ApiServer.Tests.Tables;

public class PodPrinterTests
{
    private static string Pod(string spec, string status, string extraMeta = "") => $$"""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","namespace":"default","creationTimestamp":"{{Ago(TimeSpan.FromHours(5))}}"{{extraMeta}}},
         "spec":{{spec}},"status":{{status}}}
        """;

    private const string OneContainer = """{"containers":[{"name":"app","image":"nginx"}]}""";

    public static TheoryData<string, string[]> Cases => new()
    {
        {
            Pod(OneContainer, $$"""
                {"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":3,
                  "state":{"waiting":{"reason":"CrashLoopBackOff"} },
                  "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"{{Ago(TimeSpan.FromMinutes(5))}}" } } }]}
                """),
            ["web", "0/1", "CrashLoopBackOff", "3 (5m ago)", "5h"]
        },
        {
            Pod("""{"containers":[{"name":"a"},{"name":"b"}]}""", """
                {"phase":"Running","conditions":[{"type":"Ready","status":"False"}],"containerStatuses":[
                  {"name":"a","ready":true,"restartCount":0,"state":{"running":{}}},
                  {"name":"b","ready":false,"restartCount":0,"state":{"running":{}}}]}
                """),
            ["web", "1/2", "Running", "0", "5h"]
        },
        {
            Pod(OneContainer, """
                {"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,
                  "state":{"waiting":{"reason":"ContainerCreating"}}}]}
                """),
            ["web", "0/1", "ContainerCreating", "0", "5h"]
        },
        {
            Pod(OneContainer, """
                {"phase":"Succeeded","containerStatuses":[{"name":"app","ready":false,"restartCount":0,
                  "state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}
                """),
            ["web", "0/1", "Completed", "0", "5h"]
        },
        {
            Pod(OneContainer, """
                {"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}
                """, $$""","deletionTimestamp":"{{Ago(TimeSpan.FromSeconds(10))}}" """),
            ["web", "1/1", "Terminating", "0", "5h"]
        },
        {
            Pod("""{"initContainers":[{"name":"init"}],"containers":[{"name":"app"}]}""", """
                {"phase":"Pending","conditions":[{"type":"Initialized","status":"False"}],
                 "initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,"state":{"running":{}}}],
                 "containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}
                """),
            ["web", "0/1", "Init:0/1", "0", "5h"]
        },
        {
            Pod("""{"initContainers":[{"name":"init"}],"containers":[{"name":"app"}]}""", """
                {"phase":"Pending","initContainerStatuses":[{"name":"init","ready":false,"restartCount":2,
                  "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}
                """),
            ["web", "0/1", "Init:CrashLoopBackOff", "2", "5h"]
        },
        {
            Pod("""{"initContainers":[{"name":"init"}],"containers":[{"name":"app"}]}""", """
                {"phase":"Pending","initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,
                  "state":{"terminated":{"exitCode":2}}}]}
                """),
            ["web", "0/1", "Init:ExitCode:2", "0", "5h"]
        },
        {
            // A sidecar (restartable init container) counts toward Ready once started.
            Pod("""{"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"app"}]}""", """
                {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
                 "initContainerStatuses":[{"name":"proxy","ready":true,"started":true,"restartCount":0,"state":{"running":{}}}],
                 "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}
                """),
            ["web", "2/2", "Running", "0", "5h"]
        },
        {
            Pod(OneContainer, """
                {"phase":"Failed","reason":"Evicted","message":"low on memory"}
                """),
            ["web", "0/1", "Evicted", "0", "5h"]
        },
        {
            Pod(OneContainer, """
                {"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}
                """),
            ["web", "0/1", "SchedulingGated", "0", "5h"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Narrow_cells_match_kubectl(string json, string[] expected) =>
        Assert.Equal(expected, NarrowCells("", "Pod", Parse(json)));

    [Fact]
    public void Columns_are_upstream_names_with_wide_ones_at_priority_1()
    {
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], ColumnNames("", "Pod"));
        Assert.Equal(["IP", "Node", "Nominated Node", "Readiness Gates"], WideColumnNames("", "Pod"));
    }

    [Fact]
    public void Wide_cells_show_ip_node_and_readiness_gates()
    {
        var pod = Parse(Pod("""{"nodeName":"n1","containers":[{"name":"app"}],"readinessGates":[{"conditionType":"example.com/lb"},{"conditionType":"example.com/dns"}]}""", """
            {"phase":"Running","podIP":"10.0.0.7","podIPs":[{"ip":"10.0.0.7"},{"ip":"fd00::7"}],
             "conditions":[{"type":"example.com/lb","status":"True"},{"type":"example.com/dns","status":"False"}],
             "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}
            """));
        Assert.Equal(["10.0.0.7", "n1", "<none>", "1/2"], Cells("", "Pod", pod).Skip(5));
    }

    [Fact]
    public void Unscheduled_pod_shows_none_for_ip_and_node()
    {
        var pod = Parse(Pod(OneContainer, """{"phase":"Pending"}"""));
        Assert.Equal(["web", "0/1", "Pending", "0", "5h", "<none>", "<none>", "<none>", "<none>"], Cells("", "Pod", pod));
    }
}
