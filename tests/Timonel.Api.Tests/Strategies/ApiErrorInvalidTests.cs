using Timonel.Api.Errors;
using Timonel.Api.Strategies;

namespace Timonel.Api.Tests.Strategies;

/// <summary>The 422 Status that kubectl turns into "The Deployment "web" is invalid: ...".</summary>
public sealed class ApiErrorInvalidTests
{
    [Fact]
    public void OneCauseIsPrintedBare()
    {
        var error = ApiError.Invalid("Deployment", "apps", "web", [FieldErrors.Required("spec.template.spec.containers[0].image")]);
        Assert.Equal("Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: Required value", error.Message);
        Assert.Equal(422, error.Code);
        var details = error.ToStatus()["details"]!;
        Assert.Equal("Deployment", details["kind"]!.GetValue<string>());
        Assert.Equal("apps", details["group"]!.GetValue<string>());
        Assert.Equal("[{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\",\"field\":\"spec.template.spec.containers[0].image\"}]", details["causes"]!.ToJsonString());
    }

    [Fact]
    public void SeveralCausesAreBracketedWithoutRepeats()
    {
        var error = ApiError.Invalid("Pod", "", "p",
        [
            FieldErrors.Required("spec.containers[0].image"),
            FieldErrors.NotSupported("spec.restartPolicy", "Sometimes", PodSpecValidation.RestartPolicies),
            FieldErrors.Required("spec.containers[0].image"),
        ]);
        Assert.Equal(
            "Pod \"p\" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"]",
            error.Message);
    }

    [Fact]
    public void NoCausesEndsAfterInvalid()
    {
        Assert.Equal("Secret \"s\" is invalid", ApiError.Invalid("Secret", "", "s", []).Message);
    }
}
