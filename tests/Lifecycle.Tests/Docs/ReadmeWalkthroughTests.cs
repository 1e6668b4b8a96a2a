using Lifecycle.Tests.Operability;

namespace Lifecycle.Tests.Docs;

/// <summary>
/// The README's walk-through, run as written against <c>make run</c> (scripts/run-dev.sh on free ports),
/// every answer checked against the comment that promises it (<see cref="WalkthroughRun"/>). The same
/// walk runs through the balancer of three replicas on a Redis Cluster in <c>RunDevReplicasTests</c>.
/// </summary>
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class ReadmeWalkthroughTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Every_command_of_the_walkthrough_answers_as_its_comment_says()
    {
        var steps = await WalkthroughRun.StepsAsync();
        Assert.That(steps.Count(s => s.Status is not null || s.Fragments.Count > 0), Is.GreaterThan(25), "the walk-through's checked commands");

        await using var run = RunDevScript.Start(new Dictionary<string, string>());
        await Eventually.TrueAsync(() => run.Printed("Lifecycle is running"), StartDeadline, "make run's banner");
        var failures = await WalkthroughRun.WalkAsync(steps, run);
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures));
    }
}
