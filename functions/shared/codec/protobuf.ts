/**
 * The few protocol-buffer primitives the KPL aggregated-record format needs
 * (varints and length-delimited fields), written by hand so the codec carries
 * no protobuf runtime or generated code.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** Bytes a non-negative integer takes as a varint. */
export function varintSize(value: number): number {
    if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`varintSize: expected a non-negative safe integer, got ${value}`);
    }
    let size = 1;
    while (value >= 0x80) {
        value = Math.floor(value / 128);
        size++;
    }
    return size;
}

/** Bytes a length-delimited field (tag + length + payload) of `length` bytes takes; tags here are 1 byte. */
export function lengthDelimitedFieldSize(length: number): number {
    return 1 + varintSize(length) + length;
}

/** Appends protobuf fields to a growing buffer. */
export class ProtoWriter {
    private buf: Buffer;
    private pos = 0;

    constructor(initialSize = 256) {
        this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
    }

    private ensure(extra: number): void {
        if (this.pos + extra <= this.buf.length) return;
        let size = this.buf.length * 2;
        while (size < this.pos + extra) size *= 2;
        const next = Buffer.allocUnsafe(size);
        this.buf.copy(next, 0, 0, this.pos);
        this.buf = next;
    }

    varint(value: number): this {
        if (!Number.isSafeInteger(value) || value < 0) {
            throw new RangeError(`ProtoWriter.varint: expected a non-negative safe integer, got ${value}`);
        }
        this.ensure(10);
        while (value >= 0x80) {
            this.buf[this.pos++] = (value % 128) | 0x80;
            value = Math.floor(value / 128);
        }
        this.buf[this.pos++] = value;
        return this;
    }

    tag(fieldNumber: number, wireType: number): this {
        return this.varint(fieldNumber * 8 + wireType);
    }

    bytes(fieldNumber: number, value: Uint8Array): this {
        this.tag(fieldNumber, WIRE_LENGTH_DELIMITED).varint(value.length);
        this.ensure(value.length);
        this.buf.set(value, this.pos);
        this.pos += value.length;
        return this;
    }

    uint(fieldNumber: number, value: number): this {
        return this.tag(fieldNumber, WIRE_VARINT).varint(value);
    }

    finish(): Buffer {
        return this.buf.subarray(0, this.pos);
    }
}

/** Raised by ProtoReader when the bytes are not a well-formed protobuf message. */
export class ProtoDecodeError extends Error {
    constructor(
        message: string,
        /** True when the message ended early (a field ran past the end of the bytes). */
        readonly truncated: boolean,
    ) {
        super(message);
        this.name = "ProtoDecodeError";
    }
}

export interface ProtoField {
    readonly fieldNumber: number;
    readonly wireType: number;
    /** Offset of the field's tag inside the message. */
    readonly offset: number;
    /** Set for varint fields. */
    readonly varint?: number;
    /** Set for length-delimited fields. */
    readonly bytes?: Uint8Array;
}

/** Walks the fields of one protobuf message. Offsets in errors are relative to `base`. */
export class ProtoReader {
    private pos = 0;

    constructor(
        private readonly buf: Uint8Array,
        private readonly base = 0,
        private readonly context = "message",
    ) {}

    get done(): boolean {
        return this.pos >= this.buf.length;
    }

    private readVarint(what: string): number {
        const start = this.pos;
        let result = 0;
        let multiplier = 1;
        for (let i = 0; i < 10; i++) {
            if (this.pos >= this.buf.length) {
                throw new ProtoDecodeError(`${this.context}: ${what} at offset ${this.base + start} runs past the end of the data (${this.buf.length - start} bytes left)`, true);
            }
            const byte = this.buf[this.pos++];
            result += (byte & 0x7f) * multiplier;
            if ((byte & 0x80) === 0) {
                if (!Number.isSafeInteger(result)) {
                    throw new ProtoDecodeError(`${this.context}: ${what} at offset ${this.base + start} is larger than 2^53 - 1`, false);
                }
                return result;
            }
            multiplier *= 128;
        }
        throw new ProtoDecodeError(`${this.context}: ${what} at offset ${this.base + start} is longer than 10 bytes`, false);
    }

    next(): ProtoField {
        const offset = this.pos;
        const key = this.readVarint("field tag");
        const fieldNumber = Math.floor(key / 8);
        const wireType = key % 8;
        if (fieldNumber === 0) {
            throw new ProtoDecodeError(`${this.context}: field number 0 at offset ${this.base + offset} is not allowed`, false);
        }
        switch (wireType) {
            case WIRE_VARINT:
                return { fieldNumber, wireType, offset, varint: this.readVarint(`varint of field ${fieldNumber}`) };
            case WIRE_LENGTH_DELIMITED: {
                const length = this.readVarint(`length of field ${fieldNumber}`);
                const left = this.buf.length - this.pos;
                if (length > left) {
                    throw new ProtoDecodeError(`${this.context}: field ${fieldNumber} at offset ${this.base + offset} declares ${length} bytes but only ${left} remain`, true);
                }
                const bytes = this.buf.subarray(this.pos, this.pos + length);
                this.pos += length;
                return { fieldNumber, wireType, offset, bytes };
            }
            case WIRE_FIXED64:
            case WIRE_FIXED32: {
                const size = wireType === WIRE_FIXED64 ? 8 : 4;
                const left = this.buf.length - this.pos;
                if (size > left) {
                    throw new ProtoDecodeError(`${this.context}: field ${fieldNumber} at offset ${this.base + offset} needs ${size} bytes but only ${left} remain`, true);
                }
                this.pos += size;
                return { fieldNumber, wireType, offset };
            }
            default:
                throw new ProtoDecodeError(`${this.context}: field ${fieldNumber} at offset ${this.base + offset} has unsupported wire type ${wireType}`, false);
        }
    }
}
