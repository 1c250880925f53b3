using Microsoft.AspNetCore.Http;

namespace Timonel.ApiServer.Hosting;

/// <summary>
/// /livez, /readyz and /healthz as upstream answers them: "ok", or with <c>?verbose</c> one
/// <c>[+]name ok</c> line per check and "NAME check passed"; <c>/readyz/NAME</c> runs one check;
/// <c>?exclude=NAME</c> leaves a check out. A failing check answers 503 with its <c>[-]</c> line.
/// </summary>
internal static class HealthEndpoints
{
    public static async Task WriteAsync(HttpContext context, string[] segments, Func<bool> storeReady)
    {
        var endpoint = segments[0];
        // The store must be reachable for readiness; liveness does not fail on it (as upstream's etcd
        // check, a store outage would otherwise make supervisors restart a healthy server).
        (string Name, bool Ok)[] checks = [("ping", true), ("log", true), ("etcd", endpoint != "readyz" || storeReady())];
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (segments.Length > 1)
        {
            var single = checks.Where(c => c.Name == segments[1]).ToList();
            context.Response.StatusCode = single.Count == 0 ? 404 : single[0].Ok ? 200 : 503;
            var text = single.Count == 0 ? "404 page not found" : single[0].Ok ? "ok" : $"internal server error: {segments[1]} check failed";
            await context.Response.WriteAsync(text, context.RequestAborted);
            return;
        }
        var excluded = context.Request.Query["exclude"].SelectMany(e => (e ?? "").Split(',')).ToHashSet(StringComparer.Ordinal);
        var included = checks.Where(c => !excluded.Contains(c.Name)).ToList();
        var ok = included.All(c => c.Ok);
        context.Response.StatusCode = ok ? 200 : 503;
        if (ok && !context.Request.Query.ContainsKey("verbose"))
        {
            await context.Response.WriteAsync("ok", context.RequestAborted);
            return;
        }
        var lines = included.Select(c => c.Ok ? $"[+]{c.Name} ok" : $"[-]{c.Name} failed: reason withheld")
            .Concat(checks.Where(c => excluded.Contains(c.Name)).Select(c => $"[+]{c.Name} excluded: ok"))
            .Append($"{endpoint} check {(ok ? "passed" : "failed")}");
        await context.Response.WriteAsync(string.Join('\n', lines) + "\n", context.RequestAborted);
    }
}
