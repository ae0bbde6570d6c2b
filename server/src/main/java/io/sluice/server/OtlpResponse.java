package io.sluice.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code ExportMetricsServiceResponse}: empty when every data point was stored; else
 * {@code partial_success { rejected_data_points = 1; error_message = 2; }}.
 */
final class OtlpResponse {
    private OtlpResponse() {
    }

    static byte[] body(int rejected, String message) {
        if (rejected == 0) {
            return new byte[0];
        }
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        RemoteWriteEncoder.tag(partial, 1, 0);
        RemoteWriteEncoder.varint(partial, rejected);
        RemoteWriteEncoder.bytesField(partial, 2, (message == null ? "" : message).getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RemoteWriteEncoder.bytesField(out, 1, partial.toByteArray());
        return out.toByteArray();
    }

    static Reply ok(int rejected, String message) {
        return new Reply(200, "application/x-protobuf", body(rejected, message), null);
    }
}
