namespace Lifecycle.Bench.Scale;

/// <summary>Polls a condition until it holds, or fails the run with what was awaited once the deadline passes.</summary>
public static class Until
{
    public static async Task TrueAsync(string what, TimeSpan deadline, Func<Task<bool>> condition, int pollMs = 50)
    {
        var end = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException($"{what}: not within {deadline.TotalSeconds:F0} s");
            }
            await Task.Delay(pollMs);
        }
    }
}
