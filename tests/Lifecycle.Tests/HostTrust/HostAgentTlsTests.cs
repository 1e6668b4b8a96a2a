using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim.Fleet;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Tests.HostTrust;

/// <summary>
/// A host agent, registered through the API and serving mutual TLS on loopback, answers the control plane
/// and nobody else: not a caller without a certificate, not one with a certificate the CA did not issue.
/// </summary>
public sealed class HostAgentTlsTests
{
    private static ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public static async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public static async Task StopAsync() => await _harness.DisposeAsync();

    private static SimulatedHost Host => _harness.Fleet.Hosts[0];

    public static IEnumerable<TestCaseData> Strangers()
    {
        yield return new TestCaseData((Func<X509Certificate2?>)(() => null)).SetArgDisplayNames("no client certificate");
        yield return new TestCaseData((Func<X509Certificate2?>)Callers.SelfSignedControlPlane).SetArgDisplayNames("a self-signed control-plane certificate");
        yield return new TestCaseData((Func<X509Certificate2?>)(() => Callers.RogueAuthority.IssueControlPlane(DateTimeOffset.UtcNow, TimeSpan.FromDays(1))))
            .SetArgDisplayNames("a control-plane certificate from another CA");
    }

    [TestCaseSource(nameof(Strangers))]
    public async Task A_caller_without_the_control_planes_certificate_can_neither_list_nor_destroy(Func<X509Certificate2?> certificate)
    {
        var id = await _harness.CreateRunningAsync();
        var calls = Host.CallsReceived;
        using var client = certificate();
        using var channel = Callers.Channel(Host.Address, client);
        var stranger = new HostAgentClient(channel);

        var list = Assert.ThrowsAsync<RpcException>(async () =>
            await stranger.ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));
        var destroy = Assert.ThrowsAsync<RpcException>(async () =>
            await stranger.DestroySandboxAsync(new SandboxRef { SandboxId = id }, deadline: DateTime.UtcNow.AddSeconds(5)));

        Assert.That(list!.StatusCode, Is.EqualTo(StatusCode.Unavailable).Or.EqualTo(StatusCode.Internal), list.Status.Detail);
        Assert.That(destroy!.StatusCode, Is.EqualTo(StatusCode.Unavailable).Or.EqualTo(StatusCode.Internal), destroy.Status.Detail);
        Assert.That(Host.TryGet(id, out _), Is.True, "the sandbox still exists on the host");
        Assert.That(Host.CallsReceived, Is.EqualTo(calls), "no call reached the agent");
        Assert.That((await _harness.WaitForStatusAsync(id, "running")).GetProperty("status").GetString(), Is.EqualTo("running"));
    }

    [Test]
    public async Task The_control_planes_certificate_is_answered()
    {
        using var channel = TestTrust.Channel(Host);

        var reply = await new HostAgentClient(channel).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5));

        Assert.That(reply, Is.Not.Null);
    }

    [Test]
    public async Task Health_checking_answers_over_the_same_tls_and_only_the_control_plane()
    {
        using var trusted = TestTrust.Channel(Host);
        using var stranger = Callers.Channel(Host.Address, null);

        var health = await new Health.HealthClient(trusted).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
        Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
        Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(stranger).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));
    }

    [Test]
    public async Task Reflection_lists_the_host_agent_service_over_the_same_tls_and_only_to_the_control_plane()
    {
        using var trusted = TestTrust.Channel(Host);
        using var stranger = Callers.Channel(Host.Address, null);

        var services = await ListServicesAsync(new ServerReflection.ServerReflectionClient(trusted));
        Assert.That(services, Does.Contain("lifecycle.hostagent.v1.HostAgent").And.Contain("grpc.health.v1.Health"));
        // A refused handshake surfaces from a streaming call as the transport's exception, not always as an RpcException.
        Assert.CatchAsync(async () => await ListServicesAsync(new ServerReflection.ServerReflectionClient(stranger)));
    }

    private static async Task<List<string>> ListServicesAsync(ServerReflection.ServerReflectionClient client)
    {
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(5));
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
    }
}
