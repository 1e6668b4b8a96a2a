using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>Every answer names its request: the client's own sane id, else the request's trace id; problems carry it too.</summary>
public sealed class RequestIdTests
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    private async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (requestId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        }
        return await client.SendAsync(request);
    }

    [Test]
    public async Task A_sane_id_is_echoed_on_answers_and_in_problems()
    {
        var id = $"req-{Guid.NewGuid():N}";

        var missing = await GetAsync(_harness.Client, $"/v1/sandboxes/{Guid.CreateVersion7()}", id);
        using var anonymous = _harness.ClientWithKey(null);
        var unauthorised = await GetAsync(anonymous, "/v1/sandboxes", id);
        var healthy = await GetAsync(_harness.Client, "/healthz", id);

        foreach (var answer in new[] { missing, unauthorised, healthy })
        {
            Assert.That(answer.Headers.GetValues("X-Request-Id").Single(), Is.EqualTo(id), answer.RequestMessage!.RequestUri!.ToString());
        }
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString(), Is.EqualTo(id));
        Assert.That(unauthorised.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await unauthorised.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString(), Is.EqualTo(id));
    }

    [TestCase(null)]
    [TestCase("has spaces in it")]
    [TestCase("<script>")]
    [TestCase("an-id-far-too-long-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public async Task Without_a_sane_id_the_answer_carries_the_trace_id(string? sent)
    {
        var answer = await GetAsync(_harness.Client, "/v1/sandboxes", sent);

        var id = answer.Headers.GetValues("X-Request-Id").Single();
        Assert.That(id, Does.Match("^[0-9a-f]{32}$"), "a W3C trace id");
        Assert.That(id, Is.Not.EqualTo(sent));
    }
}
