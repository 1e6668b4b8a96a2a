using Lifecycle.Testing.Answers;
using NUnit.Framework.Interfaces;

[assembly: Lifecycle.Tests.OpenApi.AnswersDocumented]

namespace Lifecycle.Tests.OpenApi;

/// <summary>
/// Holds the OpenAPI document to every answer the tests see: the in-process control planes of the run record what
/// they answer (<see cref="AnswerLog"/>), and after each test every kind of answer first seen since the test before
/// is checked against the document of the first control plane that started. A status code or header the document
/// leaves out fails the test that saw it, so <c>dotnet test</c> counts it (a failure in a one-time tear-down it
/// would not count).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class AnswersDocumentedAttribute : Attribute, ITestAction
{
    private static readonly Lock Gate = new();
    private static (Task<string> Source, DocumentedAnswers Parsed)? _document;

    public ActionTargets Targets => ActionTargets.Suite | ActionTargets.Test;

    public void BeforeTest(ITest test) => AnswerLog.Shared.StartRecording();

    public void AfterTest(ITest test)
    {
        if (Document() is not { } document)
        {
            return;
        }
        var gaps = AnswerLog.Shared.TakeUnchecked().SelectMany(document.GapsIn).Distinct().ToList();
        if (gaps.Count > 0)
        {
            Assert.Fail("The control plane gave answers that /openapi/v1.json does not document (declare them on the endpoint, "
                + "see ControlPlane/OpenApi):\n" + string.Join('\n', gaps));
        }
    }

    /// <summary>The parsed document, once a control plane has made it; null before, or while it is being made.</summary>
    private static DocumentedAnswers? Document()
    {
        if (AnswerLog.Shared.Document is not { } source)
        {
            return null;
        }
        lock (Gate)
        {
            if (_document?.Source != source)
            {
                try
                {
                    if (!source.Wait(TimeSpan.FromSeconds(30)))
                    {
                        return null;
                    }
                }
                catch (AggregateException)
                {
                    // That control plane stopped before its document was made; the next one to start makes it.
                    return null;
                }
                _document = (source, DocumentedAnswers.Parse(source.Result));
            }
            return _document.Value.Parsed;
        }
    }
}
