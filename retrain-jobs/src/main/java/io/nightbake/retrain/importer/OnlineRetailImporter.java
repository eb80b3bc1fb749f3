package io.nightbake.retrain.importer;

import io.nightbake.retrain.data.CustomerRow;
import io.nightbake.retrain.data.InteractionRow;
import io.nightbake.retrain.data.ProductRow;
import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.importer.ImportReport.DropReason;
import io.nightbake.tenant.TenantId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Imports the UCI "Online Retail" invoice lines ({@code InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
 * CustomerID,Country}, plain or gzipped CSV) into the data contract, one tenant per country.
 *
 * <p>What happens to a line, the first rule that applies deciding (the report counts each reason):
 * <ol>
 *   <li>a line without 8 fields, or whose quantity or date does not parse, is {@code MALFORMED} (quoted fields may hold
 *       commas and doubled quotes);</li>
 *   <li>a line without a CustomerID is dropped ({@code NO_CUSTOMER});</li>
 *   <li>a stock code that is not 5 digits optionally followed by letters is not a product ({@code NON_PRODUCT}):
 *       POST, DOT, C2 (postage and carriage), M/m (manual), D (discount), S (samples), B (bad-debt adjustment),
 *       BANK CHARGES, AMAZONFEE, CRUK (commission), PADS, gift vouchers, DCGS... codes;</li>
 *   <li>quantity 0 is dropped ({@code ZERO_QUANTITY});</li>
 *   <li>a cancellation (invoice number starting with {@code C}, or a negative quantity) is a return: it cancels the
 *       same customer's most recent earlier purchases of the same product, newest first, by its quantity
 *       ({@code RETURN_APPLIED}); a return with no earlier purchase in the data is {@code RETURN_WITHOUT_PURCHASE};
 *       a purchase line whose whole quantity is returned is {@code CANCELLED_BY_RETURN}, one partly returned is kept
 *       with the remaining quantity.</li>
 * </ol>
 * Remaining purchase lines of the same customer, product and invoice are merged into one interaction:
 * {@code value = log1p(net quantity)} (an implicit preference: buying at all counts most, larger orders count more
 * with diminishing weight; a customer who buys a product on several invoices has several interactions),
 * {@code event_time} = the invoice date (read as UTC; {@code 2010-12-01 08:26:00} and {@code 12/1/2010 8:26} styles),
 * {@code event_type} = {@value #EVENT_TYPE}. Customers ({@code CustomerID} without the {@code .0} a spreadsheet adds)
 * get region = country; products (the stock code) are active, with category = the stock code's first two digits.
 *
 * <p>Tenant ids come from the country name: accents dropped, lower case, every run of other characters a single
 * {@code -} ("United Kingdom" is {@code united-kingdom}, "EIRE" {@code eire}, "RSA" {@code rsa}); a country whose
 * every line is dropped gets no tenant. The same file always gives the same bytes.
 */
public final class OnlineRetailImporter {

    public static final String EVENT_TYPE = "purchase";
    public static final List<String> HEADER = List.of("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
            "UnitPrice", "CustomerID", "Country");

    private static final Pattern PRODUCT_CODE = Pattern.compile("\\d{5}[A-Za-z]*");
    private static final DateTimeFormatter ISO_STYLE = DateTimeFormatter.ofPattern("uuuu-MM-dd H:mm[:ss]", Locale.ROOT);
    private static final DateTimeFormatter US_STYLE = DateTimeFormatter.ofPattern("M/d/uuuu H:mm[:ss]", Locale.ROOT);

    private OnlineRetailImporter() {
    }

    /** Imports {@code source} (.csv or .csv.gz) into {@code outDir/<tenant-id>/}; returns what was read, dropped and written. */
    public static ImportReport importFile(Path source, Path outDir, TenantBy tenantBy) {
        if (tenantBy != TenantBy.COUNTRY) {
            throw new IllegalArgumentException("Online Retail imports split tenants by COUNTRY only, not " + tenantBy);
        }
        Parsed parsed;
        try (InputStream raw = Files.newInputStream(source);
             InputStream in = source.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            parsed = parse(reader, source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Online Retail file " + source + ": " + e.getMessage(), e);
        }
        applyReturns(parsed);
        return write(parsed, outDir);
    }

    /** A valid tenant id for a country name (see the class comment); never blank. */
    public static String tenantIdFor(String country) {
        String ascii = Normalizer.normalize(country, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        String slug = ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > 63) {
            slug = slug.substring(0, 63).replaceAll("-+$", "");
        }
        return slug.isEmpty() ? "country" : slug;
    }

    // ---------------------------------------------------------------- parsing

    /** One usable invoice line: a purchase or a return of {@code quantity > 0} units. */
    private static final class Line {
        final long number;
        final String country;
        final String customer;
        final String product;
        final String invoice;
        final long timeMicros;
        final boolean isReturn;
        final int quantity;
        int remaining;

        Line(long number, String country, String customer, String product, String invoice, long timeMicros,
             boolean isReturn, int quantity) {
            this.number = number;
            this.country = country;
            this.customer = customer;
            this.product = product;
            this.invoice = invoice;
            this.timeMicros = timeMicros;
            this.isReturn = isReturn;
            this.quantity = quantity;
            this.remaining = quantity;
        }
    }

    private static final class Parsed {
        long linesRead;
        final Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
        final List<Line> lines = new ArrayList<>();
        final Set<String> countries = new TreeSet<>();
        long kept;
        long reduced;

        void drop(DropReason reason) {
            dropped.merge(reason, 1L, Long::sum);
        }
    }

    private static Parsed parse(BufferedReader reader, Path source) throws IOException {
        Parsed parsed = new Parsed();
        CsvLine.Record header = CsvLine.next(reader);
        if (header == null || !stripBom(header.fields()).equals(HEADER)) {
            throw new IllegalArgumentException("'" + source + "' is not an Online Retail file: its header must be "
                    + String.join(",", HEADER) + (header == null ? ", the file is empty" : ", was " + String.join(",", header.fields())));
        }
        CsvLine.Record record;
        while ((record = CsvLine.next(reader)) != null) {
            List<String> f = record.fields();
            if (f.size() == 1 && f.get(0).isBlank()) {
                continue; // an empty line, e.g. at the end
            }
            long number = ++parsed.linesRead;
            if (record.malformed() || f.size() != HEADER.size()) {
                parsed.drop(DropReason.MALFORMED);
                continue;
            }
            String country = f.get(7).trim();
            if (!country.isEmpty()) {
                parsed.countries.add(country);
            }
            String customer = customerId(f.get(6));
            if (customer.isEmpty()) {
                parsed.drop(DropReason.NO_CUSTOMER);
                continue;
            }
            String code = f.get(1).trim();
            if (!PRODUCT_CODE.matcher(code).matches()) {
                parsed.drop(DropReason.NON_PRODUCT);
                continue;
            }
            int quantity;
            long micros;
            try {
                quantity = Integer.parseInt(f.get(3).trim());
                micros = parseTime(f.get(4).trim());
            } catch (NumberFormatException | DateTimeParseException e) {
                parsed.drop(DropReason.MALFORMED);
                continue;
            }
            if (country.isEmpty()) {
                parsed.drop(DropReason.MALFORMED);
                continue;
            }
            if (quantity == 0) {
                parsed.drop(DropReason.ZERO_QUANTITY);
                continue;
            }
            String invoice = f.get(0).trim();
            boolean isReturn = quantity < 0 || invoice.startsWith("C") || invoice.startsWith("c");
            parsed.lines.add(new Line(number, country, customer, code, invoice, micros, isReturn, Math.abs(quantity)));
        }
        return parsed;
    }

    private static List<String> stripBom(List<String> fields) {
        if (!fields.isEmpty() && fields.get(0).startsWith("\uFEFF")) {
            List<String> copy = new ArrayList<>(fields);
            copy.set(0, copy.get(0).substring(1));
            return copy;
        }
        return fields;
    }

    /** "17850.0" (a spreadsheet's float) and "17850" are the same customer. */
    static String customerId(String raw) {
        String id = raw.trim();
        return id.endsWith(".0") ? id.substring(0, id.length() - 2) : id;
    }

    /** Microseconds since the epoch of an invoice date read as UTC. */
    static long parseTime(String text) {
        LocalDateTime time = LocalDateTime.parse(text, text.indexOf('/') >= 0 ? US_STYLE : ISO_STYLE);
        return time.toEpochSecond(ZoneOffset.UTC) * 1_000_000L;
    }

    // ---------------------------------------------------------------- returns

    /** Lets every return cancel the newest earlier purchases of the same customer and product (see the class comment). */
    private static void applyReturns(Parsed parsed) {
        Map<String, List<Line>> byPair = new HashMap<>();
        for (Line line : parsed.lines) {
            byPair.computeIfAbsent(line.country + '\u0000' + line.customer + '\u0000' + line.product, k -> new ArrayList<>())
                    .add(line);
        }
        Comparator<Line> chronological = Comparator.<Line>comparingLong(l -> l.timeMicros).thenComparingLong(l -> l.number);
        for (List<Line> events : byPair.values()) {
            events.sort(chronological);
            Deque<Line> open = new ArrayDeque<>();
            for (Line line : events) {
                if (!line.isReturn) {
                    open.push(line);
                    continue;
                }
                int toReturn = line.quantity;
                while (toReturn > 0 && !open.isEmpty()) {
                    Line purchase = open.peek();
                    int taken = Math.min(toReturn, purchase.remaining);
                    purchase.remaining -= taken;
                    toReturn -= taken;
                    if (purchase.remaining == 0) {
                        open.pop();
                    }
                }
                parsed.drop(toReturn < line.quantity ? DropReason.RETURN_APPLIED : DropReason.RETURN_WITHOUT_PURCHASE);
            }
        }
        for (Line line : parsed.lines) {
            if (line.isReturn) {
                continue;
            }
            if (line.remaining == 0) {
                parsed.drop(DropReason.CANCELLED_BY_RETURN);
            } else {
                parsed.kept++;
                if (line.remaining < line.quantity) {
                    parsed.reduced++;
                }
            }
        }
    }

    // ---------------------------------------------------------------- writing

    private static ImportReport write(Parsed parsed, Path outDir) {
        // country -> (customer, product, invoice) -> [quantity, time]
        Map<String, Map<List<String>, long[]>> byCountry = new TreeMap<>();
        for (Line line : parsed.lines) {
            if (line.isReturn || line.remaining == 0) {
                continue;
            }
            long[] merged = byCountry.computeIfAbsent(line.country, c -> new HashMap<>())
                    .computeIfAbsent(List.of(line.customer, line.product, line.invoice), k -> new long[] {0, Long.MAX_VALUE});
            merged[0] += line.remaining;
            merged[1] = Math.min(merged[1], line.timeMicros);
        }
        Map<String, String> tenantIds = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (String country : parsed.countries) { // sorted, so collisions resolve the same way every time
            String base = tenantIdFor(country);
            String id = base;
            for (int n = 2; !used.add(id); n++) {
                id = base.length() > 58 ? base.substring(0, 58) + "-" + n : base + "-" + n;
            }
            tenantIds.put(country, TenantId.of(id).value());
        }
        List<ImportReport.TenantImport> tenants = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (String country : parsed.countries) {
            Map<List<String>, long[]> rows = byCountry.get(country);
            if (rows == null) {
                empty.add(country);
                continue;
            }
            String tenant = tenantIds.get(country);
            List<InteractionRow> interactions = new ArrayList<>(rows.size());
            Set<String> customers = new TreeSet<>();
            Set<String> products = new TreeSet<>();
            rows.entrySet().stream()
                    .sorted(Comparator.<Map.Entry<List<String>, long[]>>comparingLong(e -> e.getValue()[1])
                            .thenComparing(e -> e.getKey().get(0)).thenComparing(e -> e.getKey().get(1))
                            .thenComparing(e -> e.getKey().get(2)))
                    .forEach(e -> {
                        List<String> key = e.getKey();
                        long micros = e.getValue()[1];
                        interactions.add(new InteractionRow(key.get(0), key.get(1), Math.log1p(e.getValue()[0]),
                                Instant.ofEpochSecond(micros / 1_000_000L), EVENT_TYPE));
                        customers.add(key.get(0));
                        products.add(key.get(1));
                    });
            List<CustomerRow> customerRows = customers.stream().map(c -> new CustomerRow(c, country)).toList();
            List<ProductRow> productRows = products.stream().map(p -> new ProductRow(p, true, p.substring(0, 2))).toList();
            TenantDataWriter.write(outDir.resolve(tenant), customerRows, productRows, interactions);
            tenants.add(new ImportReport.TenantImport(tenant, country, customerRows.size(), productRows.size(), interactions.size()));
        }
        tenants.sort(Comparator.comparingInt(ImportReport.TenantImport::interactions).reversed()
                .thenComparing(ImportReport.TenantImport::tenantId));
        return new ImportReport(parsed.linesRead, parsed.dropped, parsed.kept, parsed.reduced, tenants, empty);
    }
}
