namespace Timonel.Api.Protobuf;

// The Pod kind of k8s.io/api core/v1 at Kubernetes v1.35 and its status messages (`kubectl debug`
// creates pods as protobuf; the spec's messages are in ProtobufSchema.CorePod.cs). Each field:
// number, JSON name, type, flags. Syntax and flags: see ProtobufSchema.cs. Written from the upstream
// generated.proto and types.go.
internal static partial class ProtobufSchema
{
    private static MessageRow[] CorePodStatusRows =>
    [
        new("core.Pod",
            "1 metadata meta.ObjectMeta", "2 spec PodSpec", "3 status PodStatus"),
        new("core.PodStatus",
            "17 observedGeneration int64", "1 phase string", "2 conditions []PodCondition", "3 message string",
            "4 reason string", "11 nominatedNodeName string", "5 hostIP string", "16 hostIPs []HostIP",
            "6 podIP string", "12 podIPs []PodIP", "7 startTime time", "10 initContainerStatuses []ContainerStatus",
            "8 containerStatuses []ContainerStatus", "9 qosClass string",
            "13 ephemeralContainerStatuses []ContainerStatus", "14 resize string",
            "15 resourceClaimStatuses []PodResourceClaimStatus",
            "18 extendedResourceClaimStatus PodExtendedResourceClaimStatus"),
        new("core.PodCondition",
            "1 type string keep", "7 observedGeneration int64", "2 status string keep", "3 lastProbeTime time",
            "4 lastTransitionTime time", "5 reason string", "6 message string"),
        new("core.HostIP",
            "1 ip string keep"),
        new("core.PodIP",
            "1 ip string keep"),
        new("core.ContainerStatus",
            "1 name string keep", "2 state ContainerState", "3 lastState ContainerState", "4 ready bool keep",
            "5 restartCount int32 keep", "6 image string keep", "7 imageID string keep", "8 containerID string",
            "9 started bool keep", "10 allocatedResources map:quantity", "11 resources ResourceRequirements",
            "12 volumeMounts []VolumeMountStatus", "13 user ContainerUser",
            "14 allocatedResourcesStatus []ResourceStatus", "15 stopSignal string keep"),
        new("core.ContainerState",
            "1 waiting ContainerStateWaiting", "2 running ContainerStateRunning", "3 terminated ContainerStateTerminated"),
        new("core.ContainerStateWaiting",
            "1 reason string", "2 message string"),
        new("core.ContainerStateRunning",
            "1 startedAt time"),
        new("core.ContainerStateTerminated",
            "1 exitCode int32 keep", "2 signal int32", "3 reason string", "4 message string", "5 startedAt time",
            "6 finishedAt time", "7 containerID string"),
        new("core.VolumeMountStatus",
            "1 name string keep", "2 mountPath string keep", "3 readOnly bool", "4 recursiveReadOnly string keep"),
        new("core.ContainerUser",
            "1 linux LinuxContainerUser"),
        new("core.LinuxContainerUser",
            "1 uid int64 keep", "2 gid int64 keep", "3 supplementalGroups []int64"),
        new("core.ResourceStatus",
            "1 name string keep", "2 resources []ResourceHealth"),
        new("core.ResourceHealth",
            "1 resourceID string keep", "2 health string"),
        new("core.PodResourceClaimStatus",
            "1 name string keep", "2 resourceClaimName string keep"),
        new("core.PodExtendedResourceClaimStatus",
            "1 requestMappings []ContainerExtendedResourceRequest", "2 resourceClaimName string keep"),
        new("core.ContainerExtendedResourceRequest",
            "1 containerName string keep", "2 resourceName string keep", "3 requestName string keep"),
    ];
}
