namespace Lifecycle.Testing;

/// <summary>
/// Waits for a condition by polling it until a deadline; a wait that times out fails naming what never
/// happened. The one polling loop of the tests and the benchmarks (linked into both, so no test framework).
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(50);

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? every = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what, every);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? every = null)
    {
        if (!await WithinAsync(condition, timeout, every))
        {
            throw new TimeoutException($"timed out after {timeout} waiting until {what}");
        }
    }

    /// <summary>Whether the condition held before the deadline: for waits that are a courtesy, not a check.</summary>
    public static async Task<bool> WithinAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(every ?? DefaultEvery);
        }
        return true;
    }

    /// <summary>Polls <paramref name="read"/> until its value satisfies <paramref name="done"/>; returns that value, or fails showing the last one.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting until {what}; last seen: {Shortened(value)}");
            }
            await Task.Delay(every ?? DefaultEvery);
        }
    }

    private static string Shortened<T>(T value) =>
        value?.ToString() is { Length: > 500 } text ? text[..500] + "…" : value?.ToString() ?? "null";
}
