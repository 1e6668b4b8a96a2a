using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>The control plane's console log in JSON, as a log shipper reads it from a real process.</summary>
public sealed class JsonLogTests
{
    [Test]
    public async Task Every_line_is_json_and_an_operation_logs_its_sandbox_host_event_and_the_requests_trace_and_id()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var deployment = await DeploymentBuilder.On(database.ConnectionString, TestServers.Redis, TestKeyPrefix.New())
            .With("Lifecycle:Logging:Format", "json")
            .With("Logging:LogLevel:Default", "Information")
            .With("Lifecycle:HostMonitor:Enabled", "false")
            .Replicas(1, ReplicaKind.Process)
            .Hosts(1)
            .StartAsync();
        var process = ((ProcessReplica)deployment.Replicas[0]).Process;
        var fleet = deployment.Fleet;
        using var client = Deployment.Client(deployment.Replicas[0], DeploymentBuilder.TeamKey);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { template = "base" }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(BitConverter.GetBytes(42L))}-01");
        var requestId = $"client-{Guid.NewGuid():N}";
        request.Headers.Add("X-Request-Id", requestId);
        var created = await client.SendAsync(request);
        Assert.That(created.Headers.GetValues("X-Request-Id").Single(), Is.EqualTo(requestId), "the client's own id is echoed");
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        JsonElement? succeeded = null;
        await Eventually.WithinAsync(() => Task.FromResult((succeeded = Parsed(process).Cast<JsonElement?>()
            .FirstOrDefault(e => Text(e!.Value, "sandbox_id") == id && Text(e.Value, "message")!.Contains("succeeded", StringComparison.Ordinal))) is not null),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));

        Assert.That(succeeded, Is.Not.Null, string.Join('\n', process.Lines));
        var entry = succeeded!.Value;
        Assert.That(Text(entry, "trace_id"), Is.EqualTo(traceId), "the request's trace follows it into the background operation");
        Assert.That(Text(entry, "request_id"), Is.EqualTo(requestId), "and so does its request id");
        Assert.That(Text(entry, "host_id"), Is.EqualTo(fleet.Hosts[0].HostId.ToString()));
        Assert.That(Guid.TryParse(Text(entry, "event_id"), out _), Is.True, "the outcome event it published");
        Assert.That(Text(entry, "operation"), Is.EqualTo("create"));
        Assert.That(Text(entry, "level"), Is.EqualTo("information"));
        Assert.That(process.Lines.Where(line => line.Length > 0).All(IsJsonObject), Is.True, string.Join('\n', process.Lines.Where(l => !IsJsonObject(l))));
    }

    private static IEnumerable<JsonElement> Parsed(ControlPlaneProcess process) =>
        process.Lines.Where(IsJsonObject).Select(line => JsonDocument.Parse(line).RootElement);

    private static bool IsJsonObject(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;
}
