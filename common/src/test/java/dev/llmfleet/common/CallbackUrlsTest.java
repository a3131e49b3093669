package dev.llmfleet.common;

import dev.llmfleet.common.jobs.CallbackUrls;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallbackUrlsTest {

    @Test
    void publicHttpAndHttpsAreAllowed() {
        assertThat(CallbackUrls.allowed("https://hooks.example.com/llm", false)).isTrue();
        assertThat(CallbackUrls.allowed("http://93.184.216.34/x", false)).isTrue();
    }

    @Test
    void internalTargetsAndOtherSchemesAreRefusedUnlessAllowed() {
        for (String url : new String[]{"http://localhost:8080/x", "http://127.0.0.1/x", "http://10.1.2.3/x", "http://192.168.0.9/x",
                "http://172.16.5.5/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://[fd00::1]/x", "http://0.0.0.0/x"}) {
            assertThat(CallbackUrls.allowed(url, false)).as(url).isFalse();
            assertThat(CallbackUrls.allowed(url, true)).as(url).isTrue();
        }
        assertThat(CallbackUrls.allowed("ftp://example.com/x", true)).isFalse();
        assertThat(CallbackUrls.allowed("file:///etc/passwd", true)).isFalse();
        assertThat(CallbackUrls.allowed("not a url", true)).isFalse();
    }
}
