using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.Outages;

/// <summary>One request of each kind a client, a host agent and an operator make, against one control plane.</summary>
public sealed class OutageRequests(ControlPlaneHarness harness, string sandboxId)
{
    public sealed record Answer(string Name, HttpStatusCode Status, string? ContentType, string? RetryAfter, string Body)
    {
        public override string ToString() => $"{Name}: {(int)Status} {ContentType} Retry-After={RetryAfter ?? "none"} {Body}";
    }

    /// <summary>Every kind at once; each answer named by what it asked.</summary>
    public async Task<Answer[]> SendAllAsync()
    {
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var host = harness.Fleet.Hosts[0];
        using var agent = harness.ClientWithKey(host.Token);
        // An Idempotency-Key makes a create safe to repeat, so it may wait out the outage too.
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { template = "base" }) };
        create.Headers.Add("Idempotency-Key", $"outage-{Guid.NewGuid():N}");
        return await Task.WhenAll(
            AnswerAsync("create", harness.Client.SendAsync(create)),
            AnswerAsync("get", harness.Client.GetAsync($"/v1/sandboxes/{sandboxId}")),
            AnswerAsync("list", harness.Client.GetAsync("/v1/sandboxes")),
            AnswerAsync("pause", harness.Client.PostAsync($"/v1/sandboxes/{sandboxId}/pause", null)),
            AnswerAsync("wait", harness.Client.GetAsync($"/v1/sandboxes/{sandboxId}/wait?status=paused&timeout=10s")),
            AnswerAsync("heartbeat", agent.PostAsync($"/v1/hosts/{host.HostId}/heartbeat", null)),
            AnswerAsync("list hosts", admin.GetAsync("/v1/hosts")));
    }

    /// <summary>A destroy, sent on its own since it would race the pause above.</summary>
    public Task<Answer> DestroyAsync() => AnswerAsync("destroy", harness.Client.DeleteAsync($"/v1/sandboxes/{sandboxId}"));

    public static async Task<Answer> AnswerAsync(string name, Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        return new Answer(name, response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>A running sandbox to ask about.</summary>
    public static async Task<string> RunningSandboxAsync(ControlPlaneHarness harness)
    {
        var created = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await harness.WaitForStatusAsync(id, "running");
        await harness.WaitForConsumerIdleAsync();
        // The test servers commit asynchronously (synchronous_commit = off): without a checkpoint, a
        // crash right after would lose the last transitions and the sandbox would come back as it was.
        await using var checkpoint = harness.Database.DataSource.CreateCommand("CHECKPOINT");
        await checkpoint.ExecuteNonQueryAsync();
        return id;
    }
}
