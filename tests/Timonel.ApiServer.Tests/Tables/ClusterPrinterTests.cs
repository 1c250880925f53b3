using static Timonel.ApiServer.Tests.Tables.PrinterAssert;

namespace Timonel.ApiServer.Tests.Tables;

/// <summary>Full rows of nodes, events, config, storage, policy and RBAC kinds. Objects are created 5h before Now.</summary>
public class ClusterPrinterTests
{
    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        {
            "", "Node", """
            {"metadata":{"name":"cp1","creationTimestamp":"2026-03-01T07:00:00Z",
                         "labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"true","kubernetes.io/os":"linux"}},
             "spec":{},
             "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
                       "addresses":[{"type":"Hostname","address":"cp1"},{"type":"InternalIP","address":"10.0.0.10"}],
                       "nodeInfo":{"kubeletVersion":"v1.35.0","osImage":"Debian GNU/Linux 13","kernelVersion":"6.12.0",
                                   "containerRuntimeVersion":"timonel://0.1.0"}}}
            """,
            ["cp1", "Ready", "control-plane,etcd", "5h", "v1.35.0", "10.0.0.10", "<none>", "Debian GNU/Linux 13", "6.12.0", "timonel://0.1.0"]
        },
        {
            "", "Node", """
            {"metadata":{"name":"w1","creationTimestamp":"2026-03-01T07:00:00Z","labels":{"kubernetes.io/role":"worker"}},
             "spec":{"unschedulable":true},
             "status":{"conditions":[{"type":"Ready","status":"Unknown"}],"nodeInfo":{"kubeletVersion":"v1.35.0"}}}
            """,
            ["w1", "NotReady,SchedulingDisabled", "worker", "5h", "v1.35.0", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]
        },
        {
            "", "Node", """{"metadata":{"name":"new","creationTimestamp":"2026-03-01T07:00:00Z"},"status":{}}""",
            ["new", "Unknown", "<none>", "5h", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]
        },
        {
            "", "Event", """
            {"metadata":{"name":"web.17a","creationTimestamp":"2026-03-01T07:00:00Z"},
             "involvedObject":{"kind":"Pod","name":"web","fieldPath":"spec.containers{app}"},
             "reason":"BackOff","message":"Back-off restarting failed container\n","type":"Warning",
             "source":{"component":"kubelet","host":"n1"},
             "firstTimestamp":"2026-03-01T11:00:00Z","lastTimestamp":"2026-03-01T11:58:00Z","count":14}
            """,
            ["2m", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting failed container", "60m", "14", "web.17a"]
        },
        {
            // 9.877s ago: durations truncate to whole seconds.
            "", "Event", """
            {"metadata":{"name":"sched.1","creationTimestamp":"2026-03-01T07:00:00Z"},
             "involvedObject":{"kind":"Pod","name":"web"},"reason":"Scheduled","message":"Successfully assigned default/web to n1",
             "type":"Normal","source":{},"reportingComponent":"default-scheduler","eventTime":"2026-03-01T11:59:50.123456Z"}
            """,
            ["9s", "Normal", "Scheduled", "pod/web", "", "default-scheduler", "Successfully assigned default/web to n1", "9s", "1", "sched.1"]
        },
        {
            "", "Namespace", """{"metadata":{"name":"prod","creationTimestamp":"2026-03-01T07:00:00Z"},"status":{"phase":"Active"}}""",
            ["prod", "Active", "5h"]
        },
        {
            "", "ConfigMap", """{"metadata":{"name":"cfg","creationTimestamp":"2026-03-01T07:00:00Z"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}}""",
            ["cfg", "3", "5h"]
        },
        {
            "", "Secret", """{"metadata":{"name":"tls","creationTimestamp":"2026-03-01T07:00:00Z"},"type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":""}}""",
            ["tls", "kubernetes.io/tls", "2", "5h"]
        },
        {
            "", "ServiceAccount", """{"metadata":{"name":"default","creationTimestamp":"2026-03-01T07:00:00Z"}}""",
            ["default", "0", "5h"]
        },
        {
            "coordination.k8s.io", "Lease", """{"metadata":{"name":"n1","creationTimestamp":"2026-03-01T07:00:00Z"},"spec":{"holderIdentity":"n1"}}""",
            ["n1", "n1", "5h"]
        },
        {
            "", "ResourceQuota", """
            {"metadata":{"name":"rq","creationTimestamp":"2026-03-01T07:00:00Z"},
             "status":{"hard":{"requests.cpu":"2","pods":"10","limits.memory":"4Gi","limits.cpu":"4"},
                       "used":{"requests.cpu":"500m","pods":"3","limits.cpu":"1"}}}
            """,
            ["rq", "pods: 3/10, requests.cpu: 500m/2", "limits.cpu: 1/4, limits.memory: 0/4Gi", "5h"]
        },
        {
            "", "LimitRange", """{"metadata":{"name":"lr","creationTimestamp":"2026-03-01T07:00:00Z"}}""",
            ["lr", "2026-03-01T07:00:00Z"]
        },
        {
            "", "PersistentVolumeClaim", """
            {"metadata":{"name":"data","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"storageClassName":"local-path","volumeName":"pv-1","volumeMode":"Filesystem","resources":{"requests":{"storage":"1Gi"}}},
             "status":{"phase":"Bound","capacity":{"storage":"2Gi"},"accessModes":["ReadWriteMany","ReadWriteOnce"]}}
            """,
            ["data", "Bound", "pv-1", "2Gi", "RWO,RWX", "local-path", "<unset>", "5h", "Filesystem"]
        },
        {
            "", "PersistentVolumeClaim", """
            {"metadata":{"name":"wait","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"storageClassName":"local-path","resources":{"requests":{"storage":"1Gi"}}},"status":{"phase":"Pending"}}
            """,
            ["wait", "Pending", "", "", "", "local-path", "<unset>", "5h", "<unset>"]
        },
        {
            "policy", "PodDisruptionBudget", """
            {"metadata":{"name":"pdb","creationTimestamp":"2026-03-01T07:00:00Z"},"spec":{"minAvailable":"50%"},"status":{"disruptionsAllowed":1}}
            """,
            ["pdb", "50%", "N/A", "1", "5h"]
        },
        {
            "policy", "PodDisruptionBudget", """
            {"metadata":{"name":"pdb2","creationTimestamp":"2026-03-01T07:00:00Z"},"spec":{"maxUnavailable":1},"status":{}}
            """,
            ["pdb2", "N/A", "1", "0", "5h"]
        },
        {
            "scheduling.k8s.io", "PriorityClass", """
            {"metadata":{"name":"system-node-critical","creationTimestamp":"2026-03-01T07:00:00Z"},"value":2000001000,"preemptionPolicy":"PreemptLowerPriority"}
            """,
            ["system-node-critical", "2000001000", "false", "5h", "PreemptLowerPriority"]
        },
        {
            "autoscaling", "HorizontalPodAutoscaler", """
            {"metadata":{"name":"web","creationTimestamp":"2026-03-01T07:00:00Z"},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"minReplicas":1,"maxReplicas":10,
                     "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}},
                                {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"500Mi"}}},
                                {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}]},
             "status":{"currentReplicas":2,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":35}}}]}}
            """,
            ["web", "Deployment/web", "cpu: 35%/80%, memory: <unknown>/500Mi + 1 more...", "1", "10", "2", "5h"]
        },
        {
            "rbac.authorization.k8s.io", "ClusterRole", """{"metadata":{"name":"admin","creationTimestamp":"2026-03-01T07:00:00Z"}}""",
            ["admin", "2026-03-01T07:00:00Z"]
        },
        {
            "rbac.authorization.k8s.io", "RoleBinding", """
            {"metadata":{"name":"devs","namespace":"dev","creationTimestamp":"2026-03-01T07:00:00Z"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
             "subjects":[{"kind":"User","name":"alice"},{"kind":"User","name":"bob"},{"kind":"Group","name":"devs"},
                         {"kind":"ServiceAccount","name":"ci","namespace":"dev"}]}
            """,
            ["devs", "ClusterRole/edit", "5h", "alice, bob", "devs", "dev:ci"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cells_match_kubectl(string group, string kind, string json, string[] expected) =>
        Assert.Equal(expected, Cells(group, kind, Parse(json)));

    [Fact]
    public void Column_names_follow_upstream()
    {
        Assert.Equal(["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"], ColumnNames("", "Node"));
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], ColumnNames("", "Event"));
        Assert.Equal(["Subobject", "Source", "First Seen", "Count", "Name"], WideColumnNames("", "Event"));
        Assert.Equal(["Name", "Created At"], ColumnNames("rbac.authorization.k8s.io", "Role"));
        Assert.Equal(["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"], ColumnNames("rbac.authorization.k8s.io", "ClusterRoleBinding"));
    }

    [Fact]
    public void Kinds_without_a_printer_get_name_and_age() =>
        Assert.Equal(["Name", "Age"], ColumnNames("example.com", "Widget"));
}
