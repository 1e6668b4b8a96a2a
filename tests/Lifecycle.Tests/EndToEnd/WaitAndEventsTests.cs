using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.ControlPlane.Waiting;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.EndToEnd;

/// <summary><c>GET …/wait</c> and <c>GET …/events</c>: learning a 202's outcome without polling.</summary>
[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]
public sealed class WaitAndEventsTests(StreamSetup setup)
{
    private ControlPlaneHarness _harness = null!;

    // Slow enough that a wait started after the 202 really waits.
    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await setup.StartHarnessAsync(hosts: 1, latencyMs: 300);

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Wait_returns_the_sandbox_once_it_reaches_the_status()
    {
        var id = await CreateAsync();

        var response = await _harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=running&timeout=20s");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That((body.GetProperty("id").GetString(), body.GetProperty("status").GetString()), Is.EqualTo((id, "running")));
        var again = await _harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=running&timeout=0s");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "already there: answered at once");
    }

    [Test]
    public async Task Wait_times_out_with_408_naming_the_current_status()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");
        var watch = Stopwatch.StartNew();

        var response = await _harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=paused&timeout=700ms");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestTimeout));
        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(700)), "it waited the whole timeout");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("running"));
    }

    [Test]
    public async Task Open_waits_are_a_gauge_on_metrics()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");

        var waiting = _harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=paused&timeout=3s");
        var whileOpen = await OpenWaitsAsync(expected: 1);
        Assert.That((await waiting).StatusCode, Is.EqualTo(HttpStatusCode.RequestTimeout));
        var afterwards = await OpenWaitsAsync(expected: 0);

        Assert.That((whileOpen, afterwards), Is.EqualTo((1.0, 0.0)));
    }

    [Test]
    public async Task Wait_for_a_status_the_table_can_no_longer_reach_is_409_at_once()
    {
        var id = await CreateAsync();
        (await _harness.Client.DeleteAsync($"/v1/sandboxes/{id}")).EnsureSuccessStatusCode();
        var stopped = await _harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=stopped&timeout=20s");
        Assert.That(stopped.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var watch = Stopwatch.StartNew();

        var response = await _harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=running&timeout=30s");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "not after the timeout");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("stopped"));
    }

    [Test]
    public async Task A_wait_is_woken_by_the_consumer_naming_the_sandbox_it_changed_not_by_polling()
    {
        var listener = _harness.Services.GetRequiredService<SandboxChangeListener>();
        var id = Guid.Parse(await CreateAsync());
        var bystander = Guid.NewGuid();
        var watch = listener.Watch(id);
        var bystanderWatch = listener.Watch(bystander);
        var changed = listener.NextChangeAsync(id);
        var bystanderChanged = listener.NextChangeAsync(bystander);

        // The create's outcome is applied within the host's 300 ms; the consumer then names the sandbox.
        Assert.That(await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(changed), "the change reached the listener");
        Assert.That(bystanderChanged.IsCompleted, Is.False, "only the sandbox that changed is woken");

        await _harness.Services.GetRequiredService<SandboxChanges>().PublishAsync([bystander]);
        Assert.That(await Task.WhenAny(bystanderChanged, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(bystanderChanged));

        watch.Dispose();
        bystanderWatch.Dispose();
        Assert.Throws<InvalidOperationException>(() => listener.NextChangeAsync(id), "nothing is kept once nobody watches");
    }

    [Test]
    public async Task Events_pages_the_history_oldest_first()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");

        var all = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}/events");
        var first = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}/events?limit=1");
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}/events?limit=1&cursor={cursor}");

        var events = all.GetProperty("events").EnumerateArray().ToList();
        Assert.That(events.Select(e => e.GetProperty("type").GetString()), Is.EqualTo(new[] { "sandbox.create.requested", "sandbox.create.succeeded" }));
        Assert.That(events.Select(e => (e.GetProperty("from").GetString(), e.GetProperty("to").GetString())),
            Is.EqualTo(new (string?, string?)[] { (null, "starting"), ("starting", "running") }));
        Assert.That(events[0].GetProperty("actor").GetString(), Does.StartWith("team:"));
        Assert.That(all.GetProperty("next_cursor").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(first.GetProperty("events")[0].GetProperty("event_id").GetString(), Is.EqualTo(events[0].GetProperty("event_id").GetString()));
        Assert.That(second.GetProperty("events")[0].GetProperty("event_id").GetString(), Is.EqualTo(events[1].GetProperty("event_id").GetString()));
    }

    [TestCase("/wait", "status is required")]
    [TestCase("/wait?status=booting", "status is required")]
    [TestCase("/wait?status=running&timeout=5", "timeout must be")]
    [TestCase("/wait?status=running&timeout=10m", "timeout must be")]
    [TestCase("/wait?status=running&timeout=99999999999d", "timeout must be")]
    [TestCase("/events?limit=99999999999", "limit must be")]
    [TestCase("/events?cursor=99999999999999999999", "cursor must be")]
    [TestCase("/events?limit=0", "limit must be")]
    [TestCase("/events?limit=-1", "limit must be")]
    [TestCase("/events?cursor=abc", "cursor must be")]
    public async Task Bad_parameters_are_400_problems(string path, string detail)
    {
        var id = await CreateAsync();

        var response = await _harness.Client.GetAsync($"/v1/sandboxes/{id}{path}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.StartWith(detail));
    }

    [TestCase("/wait?status=running&timeout=0s")]
    [TestCase("/events")]
    public async Task Another_teams_sandbox_or_an_unknown_one_is_404(string path)
    {
        var id = await CreateAsync();
        await _harness.Services.GetRequiredService<TeamStore>().EnsureTeamWithKeyAsync("other-team", "other-team-key", CancellationToken.None);
        using var other = _harness.ClientWithKey("other-team-key");

        var theirs = await other.GetAsync($"/v1/sandboxes/{id}{path}");
        var unknown = await _harness.Client.GetAsync($"/v1/sandboxes/{Guid.NewGuid()}{path}");

        Assert.That((theirs.StatusCode, unknown.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound)));
    }

    /// <summary>The gauge once it shows <paramref name="expected"/>, or what it shows after 2 s.</summary>
    private async Task<double> OpenWaitsAsync(double expected)
    {
        var open = double.NaN;
        await Eventually.WithinAsync(async () =>
        {
            open = PrometheusText.Single(await _harness.Client.GetStringAsync("/metrics"), "lifecycle_waits_in_flight");
            return open == expected;
        }, TimeSpan.FromSeconds(2));
        return open;
    }

    private async Task<string> CreateAsync()
    {
        var response = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
