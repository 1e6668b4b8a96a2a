using System.Security.Authentication;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Lifecycle.Infrastructure.HostAgents;

/// <summary>
/// A host that must not be called is a host that cannot be reached: <c>UNAVAILABLE</c>, which decides
/// nothing about its sandboxes. A decommissioned host (a certificate of it revoked) is refused before the
/// call is sent, so a connection opened before the revocation carries nothing more; a host whose TLS
/// certificate is refused at the handshake (an impostor on its address, a revoked or expired certificate)
/// fails there, which gRPC reports as <c>INTERNAL</c>, an answer an operation would take as the host's verdict.
/// </summary>
internal sealed class RefusedHostInterceptor(Guid hostId, Func<Guid, bool> decommissioned) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (decommissioned(hostId))
        {
            var status = new Status(StatusCode.Unavailable, $"host {hostId} is decommissioned (its certificates are revoked): the call was not sent");
            return new AsyncUnaryCall<TResponse>(Task.FromException<TResponse>(new RpcException(status)),
                Task.FromResult(new Metadata()), () => status, () => [], () => { });
        }
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(Translate(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private static async Task<TResponse> Translate<TResponse>(Task<TResponse> response)
    {
        try
        {
            return await response;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Internal && IsRefusedHandshake(ex.Status.DebugException))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "host refused at the TLS handshake: " + ex.Status.Detail, ex.Status.DebugException));
        }
    }

    private static bool IsRefusedHandshake(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AuthenticationException)
            {
                return true;
            }
        }
        return false;
    }
}
