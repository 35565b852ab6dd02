package dev.elustream.monitoring;

import dev.elustream.testing.PrometheusServer;
import dev.elustream.testing.PrometheusServer.Series;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * README's picture of the main panels, drawn from a run's real series: four of the dashboard's
 * panels (their own queries, asked of Prometheus over the run) and the alerts that fired, with
 * the run's phases marked. Not Grafana: Grafana is not in the package registries here.
 */
final class DashboardPicture {

    /** A moment of the run to mark on every panel. */
    record Marker(double time, String label) {}

    private record Line(String name, List<double[]> points) {}

    /** A panel's plotting area, below its title and legend, after a left margin for labels. */
    private record Area(int left, int right, int top, int bottom) {
        static Area titled(Graphics2D g, int x0, int y0, int w, int h, int leftMargin, String title) {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(title, x0 + 12, y0 + 18);
            return new Area(x0 + leftMargin, x0 + w - 16, y0 + 48, y0 + h - 30);
        }
    }

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b)
    };

    private DashboardPicture() {}

    static void draw(PrometheusServer p, String job, String rateInterval, double start, double end, List<Marker> markers,
            Path file) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<MonitoringITCase.Target>> byPanel = new TreeMap<>();
        for (MonitoringITCase.Target t : MonitoringITCase.dashboardTargets(job)) {
            byPanel.computeIfAbsent(t.panel(), k -> new ArrayList<>()).add(t);
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        String[] panels = {
            "Records/s: in, out, dead letters",
            "Dead letters/s by reason",
            "Share of non-positive elements per subtask (feature drift)",
        };
        int w = WIDTH / 2;
        int h = HEIGHT / 2;
        for (int i = 0; i < panels.length; i++) {
            List<Line> lines = new ArrayList<>();
            for (MonitoringITCase.Target t : byPanel.get(panels[i])) {
                for (Series s : p.queryRange(t.expr(), start, end, 1)) {
                    lines.add(new Line(legend(t.legend(), s.labels()), s.points()));
                }
            }
            boolean share = panels[i].startsWith("Share");
            chart(g, (i % 2) * w, (i / 2) * h, w, h, panels[i], lines, start, end, markers, share ? 1.0 : Double.NaN);
        }
        Map<String, List<double[]>> alerts = new TreeMap<>();
        for (Series s : p.queryRange("ALERTS{alertstate=\"firing\"}", start, end, 1)) {
            alerts.computeIfAbsent(s.labels().get("alertname"), k -> new ArrayList<>()).addAll(s.points());
        }
        alertTimeline(g, w, h, w, h, alerts, start, end, markers);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    private static String legend(String format, Map<String, String> labels) {
        String out = format;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            out = out.replace("{{" + e.getKey() + "}}", e.getValue());
        }
        return out;
    }

    private static void chart(Graphics2D g, int x0, int y0, int w, int h, String title, List<Line> lines, double start,
            double end, List<Marker> markers, double fixedMax) {
        Area a = Area.titled(g, x0, y0, w, h, 56, title);
        int left = a.left();
        int right = a.right();
        int top = a.top();
        int bottom = a.bottom();
        double max = fixedMax;
        if (Double.isNaN(max)) {
            max = 0;
            for (Line l : lines) {
                for (double[] pt : l.points()) {
                    max = Math.max(max, pt[1]);
                }
            }
            max = niceCeiling(max);
        }
        axes(g, left, right, top, bottom, max, start, end, markers);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int lx = x0 + 12;
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            Color c = PALETTE[i % PALETTE.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(1.6f));
            int px = -1;
            int py = -1;
            double prevT = Double.NaN;
            for (double[] pt : l.points()) {
                int x = (int) Math.round(left + (pt[0] - start) / (end - start) * (right - left));
                int y = (int) Math.round(bottom - Math.min(pt[1], max) / max * (bottom - top));
                if (px >= 0 && pt[0] - prevT <= 1.5) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
                prevT = pt[0];
            }
            g.fillRect(lx, y0 + 28, 10, 10);
            g.setColor(Color.DARK_GRAY);
            g.drawString(l.name(), lx + 14, y0 + 37);
            lx += 24 + g.getFontMetrics().stringWidth(l.name());
        }
    }

    private static void alertTimeline(Graphics2D g, int x0, int y0, int w, int h, Map<String, List<double[]>> alerts,
            double start, double end, List<Marker> markers) {
        Area a = Area.titled(g, x0, y0, w, h, 150, "Alerts firing (shipped rules, durations / 30)");
        int left = a.left();
        int right = a.right();
        int top = a.top();
        int bottom = a.bottom();
        g.setColor(new Color(0xdddddd));
        g.drawRect(left, top, right - left, bottom - top);
        xAxis(g, left, right, bottom, start, end, markers, top);
        int rowH = Math.min(36, (bottom - top) / Math.max(1, alerts.size()));
        int row = 0;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (Map.Entry<String, List<double[]>> e : alerts.entrySet()) {
            int y = top + 8 + row * rowH;
            g.setColor(Color.DARK_GRAY);
            g.drawString(e.getKey(), x0 + 12, y + rowH / 2);
            g.setColor(new Color(0xd62728));
            for (double[] pt : e.getValue()) {
                int x = (int) Math.round(left + (pt[0] - start) / (end - start) * (right - left));
                int next = (int) Math.round(left + (pt[0] + 1 - start) / (end - start) * (right - left));
                g.fillRect(x, y, Math.max(1, next - x), rowH - 12);
            }
            row++;
        }
    }

    private static void axes(Graphics2D g, int left, int right, int top, int bottom, double max, double start, double end,
            List<Marker> markers) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        int divisions = divisions(max);
        for (int i = 0; i <= divisions; i++) {
            double v = max * i / divisions;
            int y = (int) Math.round(bottom - (double) i / divisions * (bottom - top));
            g.setColor(new Color(0xeeeeee));
            g.drawLine(left, y, right, y);
            g.setColor(Color.GRAY);
            String label = max <= 1 ? String.format(Locale.ROOT, "%.0f%%", v * 100) : v == Math.rint(v)
                    ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
            g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        xAxis(g, left, right, bottom, start, end, markers, top);
    }

    private static void xAxis(Graphics2D g, int left, int right, int bottom, double start, double end, List<Marker> markers,
            int top) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        g.setColor(Color.GRAY);
        g.drawLine(left, bottom, right, bottom);
        for (int s = 0; s <= end - start; s += 30) {
            int x = (int) Math.round(left + s / (end - start) * (right - left));
            g.drawLine(x, bottom, x, bottom + 3);
            String label = s + " s";
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, bottom + 14);
        }
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 3f}, 0f));
        for (int i = 0; i < markers.size(); i++) {
            Marker m = markers.get(i);
            int x = (int) Math.round(left + (m.time() - start) / (end - start) * (right - left));
            g.setColor(new Color(0x999999));
            g.drawLine(x, top, x, bottom);
            String label = m.label();
            int lw = g.getFontMetrics().stringWidth(label);
            // staggered, and to the left of the line where it would leave the panel
            g.drawString(label, x + 3 + lw > right ? x - 3 - lw : x + 3, top + 10 + 12 * i);
        }
        g.setStroke(new BasicStroke(1f));
    }

    /** 5 divisions for a scale of 2.5 or 5 times a power of ten, else 4: round labels either way. */
    private static int divisions(double max) {
        double lead = max / Math.pow(10, Math.floor(Math.log10(max)));
        return Math.abs(lead - 2.5) < 1e-9 || Math.abs(lead - 5) < 1e-9 ? 5 : 4;
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
