package io.nightbake.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** What the benchmarks drive `serve` with over loopback: an open-loop load and a minimal keep-alive HTTP client. */
final class HttpLoad {

    private HttpLoad() {
    }

    /**
     * Open-loop load: {@code rate * seconds} GETs of {@code paths} (round robin) due at a fixed rate from {@code threads}
     * keep-alive connections; latency counts from when each request was due (no coordinated omission).
     *
     * @param sortedLatencyNanos every request's latency, ascending
     */
    record Result(int requests, double achievedPerSecond, long[] sortedLatencyNanos, long errors) {

        double percentileNanos(double p) {
            return sortedLatencyNanos[Math.min(requests - 1, (int) (requests * p))];
        }
    }

    static Result openLoop(int port, List<String> paths, int rate, int seconds, int threads, String threadName)
            throws InterruptedException {
        int total = rate * seconds;
        long[] latencies = new long[total];
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime() + 50_000_000L;
        double intervalNanos = 1e9 / rate;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread worker = new Thread(() -> {
                try (KeepAliveClient client = new KeepAliveClient(port)) {
                    for (int i = first; i < total; i += threads) {
                        long due = start + (long) (i * intervalNanos);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        if (client.get(paths.get(i % paths.size())) != 200) {
                            errors.incrementAndGet();
                        }
                        latencies[i] = System.nanoTime() - due;
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
            }, threadName + "-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        return new Result(total, total / elapsed, latencies, errors.get());
    }

    /** A minimal HTTP/1.1 client on one keep-alive connection; it reconnects once when the server closed it. */
    static final class KeepAliveClient implements AutoCloseable {
        private final int port;
        private Socket socket;
        private OutputStream out;
        private InputStream in;
        private byte[] body = new byte[0];
        private int bodyLength;

        KeepAliveClient(int port) throws IOException {
            this.port = port;
            connect();
        }

        private void connect() throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            out = new BufferedOutputStream(socket.getOutputStream());
            in = new BufferedInputStream(socket.getInputStream());
        }

        /** The body of a GET answered 200, or null. */
        String getBody(String path) throws IOException {
            return get(path) == 200 ? new String(body, 0, bodyLength, StandardCharsets.UTF_8) : null;
        }

        /** GETs {@code path} and returns the status; the body is kept for {@link #getBody}. */
        int get(String path) throws IOException {
            try {
                return exchange(path);
            } catch (IOException closed) {
                socket.close();
                connect();
                return exchange(path);
            }
        }

        private int exchange(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = line();
            int contentLength = 0;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    contentLength = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            bodyLength = 0;
            if (chunked) {
                for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                    read(size);
                    line();
                }
                line();
            } else {
                read(contentLength);
            }
            return Integer.parseInt(status.split(" ")[1]);
        }

        private void read(int n) throws IOException {
            if (bodyLength + n > body.length) {
                body = Arrays.copyOf(body, Math.max(bodyLength + n, 2 * body.length));
            }
            in.readNBytes(body, bodyLength, n);
            bodyLength += n;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
