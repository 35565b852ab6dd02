package dev.elustream.security;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * The ACLs of README's "Least privilege" block, read from its {@code kafka-acls.sh} lines: each line
 * one ACL, in the group its comment line opens (every job, exactly-once, a control topic), with the
 * names of {@code jobs/features-elu.properties} that a test replaces by its own.
 */
final class ReadmeAcls {

    static final String HEADING = "#### Least privilege: the ACLs the job needs";

    /** Which jobs need an ACL. */
    enum Group {
        EVERY_JOB("# every job"),
        EXACTLY_ONCE("# exactly-once"),
        CONTROL_TOPIC("# a job with a control-topic");

        final String comment;

        Group(String comment) {
            this.comment = comment;
        }
    }

    /**
     * One line: the operation on a resource of the README's example job.
     *
     * @param name the README's name ({@code features}, ...; {@code kafka-cluster} for the cluster)
     */
    record Acl(Group group, AclOperation operation, ResourceType type, String name, PatternType pattern) {

        /** This ACL for the principal, on the resource named as {@code names} maps the README's name, or its own. */
        AclBinding forPrincipal(String principal, Map<String, String> names) {
            return withOperation(principal, names, operation);
        }

        /** The same resource, with another operation. */
        AclBinding withOperation(String principal, Map<String, String> names, AclOperation op) {
            String resource = type == ResourceType.CLUSTER ? name : names.getOrDefault(type + ":" + name, name);
            return new AclBinding(new ResourcePattern(type, resource, pattern),
                    new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
        }

        @Override
        public String toString() {
            return operation + " on " + (type == ResourceType.CLUSTER ? "the cluster"
                    : type.name().toLowerCase(Locale.ROOT) + " " + name
                            + (pattern == PatternType.PREFIXED ? " (prefixed)" : ""));
        }
    }

    private ReadmeAcls() {}

    /** Every ACL of the block, in order. */
    static List<Acl> read() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"), UTF_8);
        int at = lines.indexOf(HEADING);
        if (at < 0) {
            throw new IllegalStateException("README.md has no '" + HEADING + "'");
        }
        List<Acl> acls = new ArrayList<>();
        Group group = null;
        boolean inBlock = false;
        for (int i = at + 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("```")) {
                if (inBlock) {
                    return acls;
                }
                inBlock = true;
            } else if (inBlock && line.startsWith("#")) {
                group = null;
                for (Group g : Group.values()) {
                    if (line.startsWith(g.comment)) {
                        group = g;
                    }
                }
                if (group == null) {
                    throw new IllegalStateException("README.md: unknown comment in the ACL block: " + line);
                }
            } else if (inBlock && line.startsWith("kafka-acls.sh")) {
                if (group == null) {
                    throw new IllegalStateException("README.md: an ACL before the first comment: " + line);
                }
                acls.add(parse(group, line));
            }
        }
        throw new IllegalStateException("README.md: no code block after '" + HEADING + "'");
    }

    private static Acl parse(Group group, String line) {
        String[] t = line.split("\\s+");
        AclOperation op = null;
        ResourceType type = null;
        String name = null;
        PatternType pattern = PatternType.LITERAL;
        for (int i = 1; i < t.length; i++) {
            switch (t[i]) {
                case "--operation" -> {
                    if (op != null) {
                        throw new IllegalStateException("README.md: one operation per line, got " + line);
                    }
                    op = SecurityUtils.operation(t[++i]);
                }
                case "--topic" -> {
                    type = ResourceType.TOPIC;
                    name = t[++i];
                }
                case "--group" -> {
                    type = ResourceType.GROUP;
                    name = t[++i];
                }
                case "--transactional-id" -> {
                    type = ResourceType.TRANSACTIONAL_ID;
                    name = t[++i];
                }
                case "--cluster" -> {
                    type = ResourceType.CLUSTER;
                    name = "kafka-cluster";
                }
                case "--resource-pattern-type" -> {
                    pattern = PatternType.fromString(t[++i].toUpperCase(Locale.ROOT));
                    if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
                        throw new IllegalStateException("README.md: unknown pattern type " + t[i] + " in " + line);
                    }
                }
                case "--bootstrap-server", "--command-config", "--allow-principal" -> i++;
                case "--add" -> { }
                default -> throw new IllegalStateException("README.md: unknown option " + t[i] + " in " + line);
            }
        }
        if (op == null || type == null) {
            throw new IllegalStateException("README.md: no operation or no resource in " + line);
        }
        return new Acl(group, op, type, name, pattern);
    }
}
