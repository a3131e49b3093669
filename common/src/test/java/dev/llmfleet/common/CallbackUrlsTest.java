package dev.llmfleet.common;

import dev.llmfleet.common.jobs.CallbackUrls;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

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
        for (String url : new String[]{"http://0x7f000001/x", "http://2130706433/x", "http://0177.0.0.1/x", "http://127.1/x",
                "http://0x7f.1/x", "http://100.64.0.1/x", "http://100.127.255.254/x", "http://198.18.0.1/x", "http://[::ffff:127.0.0.1]/x",
                "http://[64:ff9b::a00:1]/x", "http://localhost./x", "http://10.0.0.1./x", "http://255.255.255.255/x"}) {
            assertThat(CallbackUrls.allowed(url, false)).as(url).isFalse();
        }
        assertThat(CallbackUrls.allowed("http://100.128.0.1/x", false)).as("just outside 100.64/10").isTrue();
        assertThat(CallbackUrls.allowed("http://0x5db8d822/x", false)).as("93.184.216.34 in hex").isTrue();
        assertThat(CallbackUrls.allowed("ftp://example.com/x", true)).isFalse();
        assertThat(CallbackUrls.allowed("file:///etc/passwd", true)).isFalse();
        assertThat(CallbackUrls.allowed("not a url", true)).isFalse();
    }

    @Test
    void resolvedAddressesAreJudgedTheSameWay() throws Exception {
        assertThat(CallbackUrls.internal(InetAddress.getByName("93.184.216.34"))).isFalse();
        assertThat(CallbackUrls.internal(InetAddress.getByName("2606:2800:220:1:248:1893:25c8:1946"))).isFalse();
        for (String address : new String[]{"127.0.0.1", "10.9.8.7", "100.100.100.100", "169.254.169.254", "::1", "fd12::1", "fe80::1"}) {
            assertThat(CallbackUrls.internal(InetAddress.getByName(address))).as(address).isTrue();
        }
    }
}
