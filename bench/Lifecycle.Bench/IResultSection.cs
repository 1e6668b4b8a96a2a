using System.Text;

namespace Lifecycle.Bench;

/// <summary>One part's results, as the results file prints them.</summary>
public interface IResultSection
{
    string Title { get; }

    /// <summary>What was run, and how: one line.</summary>
    string Settings { get; }

    string Reproduce { get; }

    /// <summary>The table and ratios.</summary>
    void WriteBody(StringBuilder md);

    /// <summary>The one line that says whether the target was met.</summary>
    string Verdict();
}
