package io.tollgate.gateway.providers.bedrock;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where a Bedrock call goes for a credential's region, and which credential strings are accepted. */
class BedrockSigningTest {

    @Test
    void onAwsHostsTheCallGoesToTheCredentialsRegion() {
        URI base = URI.create("https://bedrock-runtime.us-east-1.amazonaws.com");
        assertThat(BedrockSigning.regional(base, "eu-central-1"))
                .isEqualTo(URI.create("https://bedrock-runtime.eu-central-1.amazonaws.com"));
        assertThat(BedrockSigning.regional(URI.create("https://bedrock-runtime-fips.us-east-1.amazonaws.com/"), "us-west-2"))
                .isEqualTo(URI.create("https://bedrock-runtime-fips.us-west-2.amazonaws.com/"));
        assertThat(BedrockSigning.regional(base, "us-east-1")).isSameAs(base);
        assertThat(BedrockSigning.controlPlane(URI.create("https://bedrock-runtime.eu-central-1.amazonaws.com")))
                .isEqualTo(URI.create("https://bedrock.eu-central-1.amazonaws.com"));
    }

    @Test
    void anyOtherBaseUrlIsCalledAsItIs() {
        URI endpoint = URI.create("https://vpce-0123.bedrock-runtime.us-east-1.vpce.amazonaws.com");
        URI proxy = URI.create("http://127.0.0.1:4566/bedrock");
        assertThat(BedrockSigning.regional(endpoint, "eu-west-1")).isSameAs(endpoint);
        assertThat(BedrockSigning.regional(proxy, "eu-west-1")).isSameAs(proxy);
        assertThat(BedrockSigning.controlPlane(proxy)).isSameAs(proxy);
        assertThat(BedrockSigning.under(proxy, "/model/m/converse")).isEqualTo(URI.create("http://127.0.0.1:4566/bedrock/model/m/converse"));
    }

    @Test
    void aCredentialIsRegionKeyIdSecretAndAnOptionalSessionToken() {
        var plain = BedrockCredential.parse("eu-west-3:AKIAEXAMPLE:se/cr+et");
        assertThat(plain.region()).isEqualTo("eu-west-3");
        assertThat(plain.identity().accessKeyId()).isEqualTo("AKIAEXAMPLE");
        assertThat(plain.identity().secretAccessKey()).isEqualTo("se/cr+et");
        var session = BedrockCredential.parse("us-gov-west-1:ASIAEXAMPLE:secret:token");
        assertThat(session.identity()).isInstanceOf(software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity.class);
        assertThat(session.toString()).doesNotContain("secret").doesNotContain("token");

        for (String malformed : new String[]{"AKIAEXAMPLE:secret", "us-east-1:AKIA::x", "useast1:AKIA:secret",
                "us-east-1:AKIA:secret:token:more", ""}) {
            assertThatThrownBy(() -> BedrockCredential.parse(malformed)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(BedrockCredential.FORMAT);
        }
    }
}
