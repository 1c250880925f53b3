namespace Timonel.Api.Protobuf;

// The review kinds kubectl posts as protobuf (`auth can-i`, `auth can-i --list`, `auth whoami`)
// and TokenRequest (`create token`),
// from authorization/v1 and authentication/v1 generated.proto at Kubernetes v1.35.
// Syntax and flags: see ProtobufSchema.cs.
internal static partial class ProtobufSchema
{
    private static MessageRow[] ReviewRows =>
    [
        new("authorization.SelfSubjectAccessReview",
            "1 metadata meta.ObjectMeta", "2 spec SelfSubjectAccessReviewSpec keep", "3 status SubjectAccessReviewStatus keep"),
        new("authorization.SelfSubjectAccessReviewSpec",
            "1 resourceAttributes ResourceAttributes", "2 nonResourceAttributes NonResourceAttributes"),
        new("authorization.ResourceAttributes",
            "1 namespace string", "2 verb string", "3 group string", "4 version string", "5 resource string",
            "6 subresource string", "7 name string", "8 fieldSelector FieldSelectorAttributes",
            "9 labelSelector LabelSelectorAttributes"),
        new("authorization.FieldSelectorAttributes", "1 rawSelector string", "2 requirements []meta.FieldSelectorRequirement"),
        new("authorization.LabelSelectorAttributes", "1 rawSelector string", "2 requirements []meta.LabelSelectorRequirement"),
        new("authorization.NonResourceAttributes", "1 path string", "2 verb string"),
        new("authorization.SubjectAccessReviewStatus",
            "1 allowed bool keep", "2 reason string", "3 evaluationError string", "4 denied bool"),
        new("authorization.SelfSubjectRulesReview",
            "1 metadata meta.ObjectMeta", "2 spec SelfSubjectRulesReviewSpec keep", "3 status SubjectRulesReviewStatus keep"),
        new("authorization.SelfSubjectRulesReviewSpec", "1 namespace string"),
        new("authorization.SubjectRulesReviewStatus",
            "1 resourceRules []ResourceRule", "2 nonResourceRules []NonResourceRule", "3 incomplete bool keep", "4 evaluationError string"),
        new("authorization.ResourceRule", "1 verbs []string", "2 apiGroups []string", "3 resources []string", "4 resourceNames []string"),
        new("authorization.NonResourceRule", "1 verbs []string", "2 nonResourceURLs []string"),
        new("authentication.SelfSubjectReview", "1 metadata meta.ObjectMeta", "2 status SelfSubjectReviewStatus"),
        new("authentication.SelfSubjectReviewStatus", "1 userInfo UserInfo"),
        new("authentication.UserInfo", "1 username string", "2 uid string", "3 groups []string", "4 extra map:ExtraValue"),
        new("authentication.ExtraValue", "1 items []string"),
        // `kubectl create token` (serviceaccounts/token).
        new("authentication.TokenRequest", "1 metadata meta.ObjectMeta", "2 spec TokenRequestSpec keep", "3 status TokenRequestStatus"),
        new("authentication.TokenRequestSpec",
            "1 audiences []string", "4 expirationSeconds int64 keep", "3 boundObjectRef BoundObjectReference"),
        new("authentication.TokenRequestStatus", "1 token string", "2 expirationTimestamp time"),
        new("authentication.BoundObjectReference", "1 kind string", "2 apiVersion string", "3 name string", "4 uid string"),
    ];
}
