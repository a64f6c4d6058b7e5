package io.tollgate.gateway.providers.bedrock;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests to Bedrock signed with the AWS SDK's own SigV4 signer, described as JDK requests so that they go
 * through {@code UpstreamHttp} like every provider's (one connection pool, one timeout policy, failover).
 */
public final class BedrockSigning {
    /** The SigV4 service name of both the runtime (Converse) and the control plane (foundation-models). */
    static final String SIGNING_NAME = "bedrock";
    /** AWS's own Bedrock hosts: {@code bedrock-runtime[-fips].REGION.amazonaws.com}, and the control plane's. */
    private static final Pattern AWS_HOST = Pattern.compile("(bedrock(?:-runtime)?(?:-fips)?)\\.([a-z0-9-]+)\\.amazonaws\\.com");
    /** Set by the HTTP client from the URI and the body, and refused by the JDK's request builder. */
    private static final Set<String> CLIENT_HEADERS = Set.of("host", "content-length", "connection", "expect", "upgrade");
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    private BedrockSigning() {
    }

    /**
     * The credential's region on AWS's own hosts: one provider (one base URL) serves credentials of several
     * regions. Any other base URL (a VPC endpoint, a proxy, a test server) is called as it is.
     */
    public static URI regional(URI baseUrl, String region) {
        String host = baseUrl.getHost();
        Matcher aws = host == null ? null : AWS_HOST.matcher(host);
        if (aws == null || !aws.matches() || aws.group(2).equals(region)) {
            return baseUrl;
        }
        return URI.create(baseUrl.toString().replaceFirst(Pattern.quote(host), aws.group(1) + "." + region + ".amazonaws.com"));
    }

    /** The control plane next to a runtime endpoint on AWS's hosts (where the credential test lists models). */
    public static URI controlPlane(URI runtimeBaseUrl) {
        String host = runtimeBaseUrl.getHost();
        if (host == null || !AWS_HOST.matcher(host).matches()) {
            return runtimeBaseUrl;
        }
        return URI.create(runtimeBaseUrl.toString().replaceFirst(Pattern.quote(host), host.replace("bedrock-runtime", "bedrock")));
    }

    /** {@code uri} with the base URL's path kept and {@code path} (already URL-encoded) appended. */
    public static URI under(URI baseUrl, String encodedPath) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + encodedPath);
    }

    /** A request signed for the credential's region; the body, if any, is JSON. */
    public static HttpRequest.Builder signed(SdkHttpMethod method, URI uri, byte[] body, String accept,
                                             BedrockCredential credential) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(method).uri(uri).putHeader("Accept", accept);
        if (body != null) {
            unsigned.putHeader("Content-Type", "application/json");
        }
        SignedRequest signed = SIGNER.sign(request -> request
                .identity(credential.identity())
                .request(unsigned.build())
                .payload(body == null ? null : ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SIGNING_NAME)
                .putProperty(AwsV4HttpSigner.REGION_NAME, credential.region()));
        HttpRequest.Builder described = HttpRequest.newBuilder(uri);
        signed.request().forEachHeader((name, values) -> {
            if (!CLIENT_HEADERS.contains(name.toLowerCase())) {
                values.forEach(value -> described.header(name, value));
            }
        });
        return body == null ? described.GET() : described.POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }
}
