using static Timonel.ApiServer.Tests.Tables.PrinterAssert;

namespace Timonel.ApiServer.Tests.Tables;

/// <summary>Full rows (wide columns included) of apps and batch kinds. Objects are created 5h before Now.</summary>
public class WorkloadPrinterTests
{
    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        {
            "apps", "Deployment", """
            {"metadata":{"name":"web","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"},{"name":"log","image":"busybox"}]}}},
             "status":{"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}
            """,
            ["web", "2/3", "3", "2", "5h", "nginx,log", "nginx:1.27,busybox", "app=web"]
        },
        {
            "apps", "Deployment", """
            {"metadata":{"name":"fresh","creationTimestamp":"2026-03-01T11:59:30Z"},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"fresh"}},"template":{"spec":{"containers":[{"name":"a","image":"a"}]}}},
             "status":{}}
            """,
            ["fresh", "0/1", "0", "0", "30s", "a", "a", "app=fresh"]
        },
        {
            "apps", "ReplicaSet", """
            {"metadata":{"name":"web-5d8f","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[
                 {"key":"tier","operator":"In","values":["b","a"]},{"key":"canary","operator":"DoesNotExist"}]},
                     "template":{"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}},
             "status":{"replicas":2,"readyReplicas":1}}
            """,
            ["web-5d8f", "2", "2", "1", "5h", "nginx", "nginx", "app=web,!canary,tier in (a,b)"]
        },
        {
            "apps", "DaemonSet", """
            {"metadata":{"name":"agent","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},
                     "template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},"containers":[{"name":"agent","image":"agent:2"}]}}},
             "status":{"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,"updatedNumberScheduled":3,"numberAvailable":2}}
            """,
            ["agent", "3", "3", "2", "3", "2", "kubernetes.io/os=linux", "5h", "agent", "agent:2", "app=agent"]
        },
        {
            "apps", "StatefulSet", """
            {"metadata":{"name":"db","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"pg","image":"postgres:17"}]}}},
             "status":{"readyReplicas":1}}
            """,
            ["db", "1/3", "5h", "pg", "postgres:17"]
        },
        {
            "batch", "Job", """
            {"metadata":{"name":"pi","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"completions":1,"parallelism":1,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u1"}},
                     "template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}},
             "status":{"succeeded":1,"startTime":"2026-03-01T07:00:00Z","completionTime":"2026-03-01T07:00:42Z",
                       "conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]}}
            """,
            ["pi", "Complete", "1/1", "42s", "5h", "pi", "perl", "batch.kubernetes.io/controller-uid=u1"]
        },
        {
            "batch", "Job", """
            {"metadata":{"name":"work","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"parallelism":3,"template":{"spec":{"containers":[{"name":"w","image":"w"}]}}},
             "status":{"active":3,"startTime":"2026-03-01T11:55:00Z"}}
            """,
            ["work", "Running", "0/1 of 3", "5m", "5h", "w", "w", "<none>"]
        },
        {
            "batch", "Job", """
            {"metadata":{"name":"bad","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"completions":2,"template":{"spec":{"containers":[]}}},
             "status":{"failed":6,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}
            """,
            ["bad", "Failed", "0/2", "", "5h", "", "", "<none>"]
        },
        {
            "batch", "Job", """
            {"metadata":{"name":"held","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"completions":1,"suspend":true,"template":{"spec":{"containers":[{"name":"h","image":"h"}]}}},
             "status":{"conditions":[{"type":"Suspended","status":"True"}]}}
            """,
            ["held", "Suspended", "0/1", "", "5h", "h", "h", "<none>"]
        },
        {
            "batch", "CronJob", """
            {"metadata":{"name":"nightly","creationTimestamp":"2026-02-20T12:00:00Z"},
             "spec":{"schedule":"0 3 * * *","suspend":false,
                     "jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"backup","image":"restic"}]}}}}},
             "status":{"active":[{"name":"nightly-1"}],"lastScheduleTime":"2026-03-01T03:00:00Z"}}
            """,
            ["nightly", "0 3 * * *", "<none>", "False", "1", "9h", "9d", "backup", "restic", "<none>"]
        },
        {
            "batch", "CronJob", """
            {"metadata":{"name":"tz","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"schedule":"@hourly","timeZone":"Europe/Paris","suspend":true,
                     "jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}},
             "status":{}}
            """,
            ["tz", "@hourly", "Europe/Paris", "True", "0", "<none>", "5h", "c", "i", "<none>"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cells_match_kubectl(string group, string kind, string json, string[] expected) =>
        Assert.Equal(expected, Cells(group, kind, Parse(json)));

    [Fact]
    public void Column_names_follow_upstream()
    {
        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], ColumnNames("apps", "Deployment"));
        Assert.Equal(["Containers", "Images", "Selector"], WideColumnNames("apps", "Deployment"));
        Assert.Equal(["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"], ColumnNames("apps", "ReplicaSet"));
        Assert.Equal(["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"], ColumnNames("batch", "Job"));
        Assert.Equal(["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"], ColumnNames("batch", "CronJob"));
    }
}
