package io.tollgate.gateway.providers.bedrock;

import io.tollgate.gateway.providers.WireFormat;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.util.regex.Pattern;

/**
 * An AWS credential for Bedrock as the vault stores it, one string like any provider key:
 * {@code REGION:ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]}. None of the four ever contains a colon
 * (regions and key ids are alphanumeric with dashes; secrets and session tokens are base64), so the form is
 * unambiguous. The region belongs to the credential: it is the SigV4 scope and, for AWS's own endpoints, the
 * host the call goes to.
 */
public record BedrockCredential(String region, AwsCredentialsIdentity identity) {
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

    public static final String FORMAT = "REGION:ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]";

    /**
     * A key in a form its family can use: Bedrock's is {@link #FORMAT}; other families' keys are opaque strings.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the key
     */
    public static void requireWellFormed(WireFormat wireFormat, String apiKey) {
        if (wireFormat == WireFormat.BEDROCK) {
            parse(apiKey);
        }
    }

    /** @throws IllegalArgumentException naming what is wrong, never echoing the secret */
    public static BedrockCredential parse(String secret) {
        String[] parts = secret == null ? new String[0] : secret.trim().split(":", -1);
        if (parts.length < 3 || parts.length > 4) {
            throw new IllegalArgumentException("A Bedrock credential is " + FORMAT + ".");
        }
        for (String part : parts) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("A Bedrock credential is " + FORMAT + ", none of them empty.");
            }
        }
        if (!REGION.matcher(parts[0]).matches()) {
            throw new IllegalArgumentException("A Bedrock credential starts with its AWS region (like us-east-1): "
                    + FORMAT + ".");
        }
        AwsCredentialsIdentity identity = parts.length == 4
                ? AwsSessionCredentialsIdentity.create(parts[1], parts[2], parts[3])
                : AwsCredentialsIdentity.create(parts[1], parts[2]);
        return new BedrockCredential(parts[0], identity);
    }

    @Override
    public String toString() {
        return "BedrockCredential[region=" + region + ", accessKeyId=" + identity.accessKeyId() + "]";
    }
}
