/**
 * The JSON codec of the ELU job: reads a record value holding a {@code features} array of numbers,
 * writes it back with the activation (and derivative) in place of the features, every other member
 * kept byte for byte, or rejects it with a reason. No Flink or Kafka types: the operators wrap it.
 */
package dev.elustream.codec;
