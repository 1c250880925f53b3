using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Timonel.Network.Ingress.Tests;

/// <summary>
/// Kestrel "pods" on loopback addresses 127.0.0.x, all on one port. Each answers with its name and
/// what it was sent (path, Host, X-Forwarded-*, body length), so a test sees which pod a request
/// reached and how.
/// </summary>
internal sealed class LoopbackPods : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];

    public LoopbackPods(int port) => Port = port;

    public int Port { get; }

    public async Task StartAsync(string name, string ip)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(ip), Port));
        var app = builder.Build();
        app.Run(async context =>
        {
            var length = 0L;
            var buffer = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }
            context.Response.Headers["X-Pod"] = name;
            context.Response.Headers["X-Seen-Host"] = context.Request.Host.Value;
            context.Response.Headers["X-Seen-Forwarded-For"] = context.Request.Headers["X-Forwarded-For"].ToString();
            context.Response.Headers["X-Seen-Forwarded-Proto"] = context.Request.Headers["X-Forwarded-Proto"].ToString();
            await context.Response.WriteAsync($"{name} {context.Request.Path} {length}");
        });
        _apps.Add(app);
        await app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
