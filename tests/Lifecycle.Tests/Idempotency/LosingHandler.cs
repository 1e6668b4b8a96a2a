namespace Lifecycle.Tests.Idempotency;

/// <summary>
/// Delivers every request, then loses the answer of the first <paramref name="losses"/>: the server did the work, the
/// client sees a network error, as when a connection drops between the two.
/// </summary>
internal sealed class LosingHandler(int losses) : DelegatingHandler(new HttpClientHandler())
{
    private int _lost;

    public int Delivered { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        Delivered++;
        if (Interlocked.Increment(ref _lost) <= losses)
        {
            response.Dispose();
            throw new HttpRequestException("the connection dropped before the answer arrived");
        }
        return response;
    }
}
