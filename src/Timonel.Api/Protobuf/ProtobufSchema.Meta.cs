namespace Timonel.Api.Protobuf;

// Messages of k8s.io/apimachinery pkg/apis/meta/v1 at Kubernetes v1.35.
// Each field: number, JSON name, type, flags.
// Syntax and flags: see ProtobufSchema.cs. Written from the upstream generated.proto and types.go.
internal static partial class ProtobufSchema
{
    private static MessageRow[] MetaRows =>
    [
        new("meta.DeleteOptions",
            "1 gracePeriodSeconds int64 keep", "2 preconditions Preconditions", "3 orphanDependents bool keep",
            "4 propagationPolicy string", "5 dryRun []string", "6 ignoreStoreReadErrorWithClusterBreakingPotential bool"),
        new("meta.Preconditions", "1 uid string", "2 resourceVersion string"),
        new("meta.FieldSelectorRequirement", "1 key string", "2 operator string", "3 values []string"),
        new("meta.ObjectMeta",
            "1 name string", "2 generateName string", "3 namespace string", "4 selfLink string", "5 uid string",
            "6 resourceVersion string", "7 generation int64", "8 creationTimestamp time",
            "9 deletionTimestamp time", "10 deletionGracePeriodSeconds int64 keep", "11 labels map:string",
            "12 annotations map:string", "13 ownerReferences []OwnerReference", "14 finalizers []string",
            "17 managedFields []ManagedFieldsEntry"),
        new("meta.OwnerReference",
            "5 apiVersion string keep", "1 kind string keep", "3 name string keep", "4 uid string keep",
            "6 controller bool keep", "7 blockOwnerDeletion bool keep"),
        new("meta.ManagedFieldsEntry",
            "1 manager string", "2 operation string", "3 apiVersion string", "4 time time",
            "6 fieldsType string", "7 fieldsV1 rawjson", "8 subresource string"),
        new("meta.Condition",
            "1 type string keep", "2 status string keep", "3 observedGeneration int64",
            "4 lastTransitionTime time", "5 reason string keep", "6 message string keep"),
        new("meta.LabelSelector",
            "1 matchLabels map:string", "2 matchExpressions []LabelSelectorRequirement"),
        new("meta.LabelSelectorRequirement",
            "1 key string keep", "2 operator string keep", "3 values []string"),
    ];
}
