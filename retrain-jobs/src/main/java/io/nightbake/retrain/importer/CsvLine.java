package io.nightbake.retrain.importer;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV records: fields separated by commas, a field in double quotes may hold commas, line breaks and
 * doubled quotes ({@code ""} for one {@code "}). Surrounding whitespace is kept as data.
 */
final class CsvLine {

    private CsvLine() {
    }

    /**
     * Reads the next record (which may span lines when a quoted field holds a line break); null at the end.
     * An unterminated quote at the end of input yields the fields read so far with {@code malformed} set.
     */
    static Record next(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) {
            return null;
        }
        List<String> fields = new ArrayList<>(8);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean malformed = false;
        int i = 0;
        while (true) {
            if (i >= line.length()) {
                if (!quoted) {
                    break;
                }
                String more = in.readLine();
                if (more == null) {
                    malformed = true;
                    break;
                }
                field.append('\n');
                line = more;
                i = 0;
                continue;
            }
            char ch = line.charAt(i++);
            if (quoted) {
                if (ch == '"') {
                    if (i < line.length() && line.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(ch);
                }
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (ch == '"' && field.isEmpty()) {
                quoted = true;
            } else {
                field.append(ch);
            }
        }
        fields.add(field.toString());
        return new Record(fields, malformed);
    }

    record Record(List<String> fields, boolean malformed) {
    }
}
