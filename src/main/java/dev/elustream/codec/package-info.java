/**
 * The codecs of the ELU job, behind {@link dev.elustream.codec.VectorTransformer}: JSON (a record
 * value holding a {@code features} array of numbers, written back with the activation (and
 * derivative) in place of the features, every other member kept byte for byte), a compact binary
 * format ({@link dev.elustream.codec.BinaryVectors}) and headerless raw tensors
 * ({@link dev.elustream.codec.RawTensors}), and Protobuf messages of a descriptor set
 * ({@link dev.elustream.codec.ProtobufRecordSchema}); each rejects a bad value with a reason. No Flink or Kafka
 * types: the operators wrap them.
 */
package dev.elustream.codec;
