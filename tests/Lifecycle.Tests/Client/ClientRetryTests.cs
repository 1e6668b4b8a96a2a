using System.Net;
using Lifecycle.Client;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Client;

/// <summary>What the client retries, and that a retried POST does its work once: a real control plane under a scripted network.</summary>
public sealed class ClientRetryTests
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task A_create_whose_answers_are_lost_is_retried_under_one_key_and_makes_one_sandbox()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport { LoseFirstAnswers = 2 };
        using var client = team.Client(transport);

        var sandbox = await client.CreateAsync(new CreateSandboxRequest { Template = "base" });

        var attempts = transport.Attempts;
        var rows = await team.SandboxRowsAsync();
        var listed = await client.ListAllAsync().ToListAsync();
        Assert.Multiple(() =>
        {
            Assert.That(attempts, Has.Count.EqualTo(3));
            Assert.That(attempts.Select(a => a.IdempotencyKey).Distinct(), Has.Exactly(1).Not.Null, "one key for every attempt");
            Assert.That(rows, Is.EqualTo(1), "the server did the work three times, and made one sandbox");
            Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { sandbox.Id }));
        });
    }

    [Test]
    public async Task Two_creates_without_a_key_of_their_own_are_two_sandboxes()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport();
        using var client = team.Client(transport);

        await client.CreateAsync();
        await client.CreateAsync();

        Assert.That(transport.Attempts.Select(a => a.IdempotencyKey).Distinct().Count(), Is.EqualTo(2), "a key per logical call");
        Assert.That(await team.SandboxRowsAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task A_503_with_Retry_After_is_retried_once_that_time_has_passed()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport
        {
            AnswerFirst = [() => ScriptedTransport.Problem(HttpStatusCode.ServiceUnavailable, "https://httpstatuses.io/503", retryAfterSeconds: 1)],
        };
        using var client = team.Client(transport);

        var sandbox = await client.CreateAsync();

        var attempts = transport.Attempts;
        var rows = await team.SandboxRowsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(attempts.Select(a => a.Answer), Is.EqualTo(new HttpStatusCode?[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.Accepted }));
            Assert.That(attempts[1].SentAt - attempts[0].SentAt, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)), "Retry-After: 1 waited out");
            Assert.That(attempts[1].IdempotencyKey, Is.EqualTo(attempts[0].IdempotencyKey));
            Assert.That(sandbox.Status, Is.EqualTo(SandboxStatus.Starting));
            Assert.That(rows, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task The_rate_limiters_429_is_retried()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport
        {
            AnswerFirst = [() => ScriptedTransport.Problem(HttpStatusCode.TooManyRequests, "https://httpstatuses.io/429", retryAfterSeconds: 0)],
        };
        using var client = team.Client(transport);

        var quota = await client.GetQuotaAsync();

        Assert.That(transport.Attempts.Select(a => a.Answer), Is.EqualTo(new HttpStatusCode?[] { HttpStatusCode.TooManyRequests, HttpStatusCode.OK }));
        Assert.That(quota.TeamId, Is.EqualTo(team.Id));
    }

    [Test]
    public async Task Retries_are_bounded_and_the_last_answer_is_thrown()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport
        {
            AnswerFirst = [.. Enumerable.Repeat(() => ScriptedTransport.Problem(HttpStatusCode.ServiceUnavailable, "https://httpstatuses.io/503", retryAfterSeconds: 0), 5)],
        };
        using var client = team.Client(transport, maxRetries: 2);

        var problem = Assert.ThrowsAsync<ServiceUnavailableException>(() => client.CreateAsync());

        Assert.That(transport.Attempts, Has.Count.EqualTo(3), "the first attempt and two retries");
        Assert.That(problem!.RetryAfter, Is.EqualTo(TimeSpan.Zero));
        Assert.That(await team.SandboxRowsAsync(), Is.Zero);
    }

    [Test]
    public async Task An_attempt_that_never_answers_is_cut_off_and_retried()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport { HangFirst = 1 };
        var options = team.Options();
        options.AttemptTimeout = TimeSpan.FromMilliseconds(500);
        using var client = new LifecycleClient(options, transport);

        var sandbox = await client.CreateAsync();

        Assert.That(transport.Attempts.Select(a => a.Answer), Is.EqualTo(new HttpStatusCode?[] { null, HttpStatusCode.Accepted }));
        Assert.That((await client.GetAsync(sandbox.Id)).Id, Is.EqualTo(sandbox.Id));
    }

    [Test]
    public async Task Without_retries_a_lost_answer_reaches_the_caller()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var transport = new ScriptedTransport { LoseFirstAnswers = 1 };
        using var client = team.Client(transport, maxRetries: 0);

        Assert.ThrowsAsync<HttpRequestException>(() => client.GetQuotaAsync());
        Assert.That(transport.Attempts, Has.Count.EqualTo(1));
    }
}
