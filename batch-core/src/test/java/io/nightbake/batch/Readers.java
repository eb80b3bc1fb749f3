package io.nightbake.batch;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Threads that look up one customer's list over HTTP in a loop and keep every answer, for the publish race test. */
final class Readers {

    record Answer(int httpStatus, String snapshot, List<String> products, String body) {
    }

    private static final Pattern PRODUCT = Pattern.compile("\"productId\":\"([^\"]*)\"");
    private static final Pattern SNAPSHOT = Pattern.compile("\"snapshot\":\"([^\"]*)\"");

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    static Readers start(int port, String tenant, String customer, int threads) {
        Readers readers = new Readers();
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/tenants/" + tenant + "/customers/" + customer
                + "/recommendations?limit=1000");
        for (int i = 0; i < threads; i++) {
            Thread thread = new Thread(() -> {
                // bounded: stops when asked, or after 2 minutes whatever happens
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (readers.running.get() && System.nanoTime() < deadline) {
                    try {
                        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
                        readers.answers.add(parse(response.statusCode(), response.body()));
                    } catch (Exception e) {
                        readers.answers.add(new Answer(-1, null, List.of(), e.toString()));
                    }
                }
            });
            thread.start();
            readers.threads.add(thread);
        }
        return readers;
    }

    List<Answer> stop() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        return new ArrayList<>(answers);
    }

    private static Answer parse(int status, String body) {
        List<String> products = new ArrayList<>();
        Matcher m = PRODUCT.matcher(body);
        while (m.find()) {
            products.add(m.group(1));
        }
        Matcher s = SNAPSHOT.matcher(body);
        return new Answer(status, s.find() ? s.group(1) : null, products, body);
    }
}
