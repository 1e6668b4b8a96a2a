using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Lifecycle.Tests.Idempotency;

/// <summary>Requests with an <c>Idempotency-Key</c> (and other headers), and what their answers say.</summary>
internal static class KeyedRequests
{
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient client, HttpMethod method, string path, string? key, string? json = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return await client.SendAsync(request);
    }

    public static bool Replayed(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    public static async Task<string> IdOfAsync(HttpResponseMessage response) => (await BodyAsync(response)).GetProperty("id").GetString()!;
}
