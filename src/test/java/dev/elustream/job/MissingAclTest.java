package dev.elustream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.job.TopicCheck.Role;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;

/** The messages of a refusal for missing ACLs, and which operation each of the job's topics needs. */
class MissingAclTest {

    @Test
    void namesTheOperationTheResourceAndWhyTheJobNeedsIt() {
        assertThat(MissingAcl.refusal(List.of(new MissingAcl("READ", "topic features",
                "it needs READ and DESCRIBE on the input topic"))))
                .hasMessage("the job's principal may not READ topic features (it needs READ and DESCRIBE on the input"
                        + " topic); README \"Least privilege\" lists the ACLs the job needs");
    }

    @Test
    void namesEveryMissingAclInOneMessage() {
        assertThat(MissingAcl.refusal(List.of(new MissingAcl("READ", "topic a", "x"), new MissingAcl("WRITE", "topic b", "y"))))
                .hasMessage("the job's principal may not READ topic a (x) and may not WRITE topic b (y);"
                        + " README \"Least privilege\" lists the ACLs the job needs");
        assertThatThrownBy(() -> MissingAcl.refusal(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readTopicsNeedReadAndWrittenTopicsNeedWrite() {
        Set<AclOperation> readOnly = Set.of(AclOperation.READ, AclOperation.DESCRIBE);
        Set<AclOperation> writeOnly = Set.of(AclOperation.WRITE, AclOperation.DESCRIBE);
        assertThat(Role.INPUT.missing("in", true, readOnly)).isEmpty();
        assertThat(Role.CONTROL.missing("ctl", true, readOnly)).isEmpty();
        assertThat(Role.OUTPUT.missing("out", true, writeOnly)).isEmpty();
        assertThat(Role.DEAD_LETTER.missing("dlq", true, writeOnly)).isEmpty();

        assertThat(Role.INPUT.missing("in", true, writeOnly)).contains(
                new MissingAcl("READ", "topic in", "it needs READ and DESCRIBE on the input topic"));
        assertThat(Role.CONTROL.missing("ctl", true, Set.of(AclOperation.DESCRIBE))).contains(
                new MissingAcl("READ", "topic ctl", "it needs READ and DESCRIBE on the control topic"));
        assertThat(Role.OUTPUT.missing("out", true, readOnly)).contains(
                new MissingAcl("WRITE", "topic out", "it needs WRITE and DESCRIBE on the output topic"));
        assertThat(Role.DEAD_LETTER.missing("dlq", true, Set.of(AclOperation.DESCRIBE))).contains(
                new MissingAcl("WRITE", "topic dlq", "it needs WRITE and DESCRIBE on the dead-letter topic"));
    }

    @Test
    void aBrokerThatDoesNotSayWhatThePrincipalMayDoPasses() {
        // Brokers before KIP-430 send no authorized operations; a cluster without an authorizer sends all of them.
        assertThat(Role.OUTPUT.missing("out", true, null)).isEmpty();
        assertThat(Role.OUTPUT.missing("out", true, Set.of(AclOperation.values()))).isEmpty();
    }

    @Test
    void aTopicThePrincipalMayNotDescribeMayAlsoNotExist() {
        assertThat(Role.OUTPUT.missing("out", false, null)).contains(new MissingAcl("WRITE", "topic out",
                "it needs WRITE and DESCRIBE on the output topic; Kafka does not say whether a topic exists to a"
                        + " principal that may not DESCRIBE it: check output-topic too"));
    }
}
