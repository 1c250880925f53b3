using Timonel.Api.Scheme;

namespace Timonel.ApiServer.Routing;

/// <summary>The verbs of resource requests, as authorization and audit name them.</summary>
public enum Verb { Get, List, Watch, Create, Update, Patch, Delete, DeleteCollection }

/// <summary>A parsed resource request: what resource, which object, which subresource, which verb.</summary>
public sealed record RequestInfo(Verb Verb, ResourceInfo Resource, string? Namespace, string? Name, string? Subresource);
