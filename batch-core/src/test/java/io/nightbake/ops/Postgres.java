package io.nightbake.ops;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The PostgreSQL on this machine (127.0.0.1:5432, database {@code test}, trust auth; `.ci/run` starts it). Every test
 * class gets its own schema, so tests never see each other's job repository, Quartz tables or registries.
 */
public final class Postgres {

    public static final String URL = System.getProperty("nightbake.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = System.getProperty("nightbake.test.postgres.user", "postgres");

    private Postgres() {
    }

    /** A new, empty schema's name. */
    public static String newSchema() {
        return "nb_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    public static String url(String schema) {
        return URL + "?currentSchema=" + schema;
    }

    /** Spring properties that run Nightbake's production profile on {@code schema}. */
    public static List<String> springArgs(String schema) {
        return new ArrayList<>(List.of("--spring.profiles.active=postgres", "--spring.datasource.url=" + url(schema),
                "--spring.datasource.username=" + USER, "--spring.flyway.schemas=" + schema));
    }

    public static long count(String schema, String sql) {
        try (Connection c = DriverManager.getConnection(url(schema), USER, "");
             Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public static List<String> strings(String schema, String sql) {
        try (Connection c = DriverManager.getConnection(url(schema), USER, "");
             Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (r.next()) {
                values.add(r.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
