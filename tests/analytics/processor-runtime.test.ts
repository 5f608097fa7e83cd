import { expect } from "chai";
import { lambdaNodeHeapFlags, PROCESSOR_MEMORY_MIB } from "../../functions/processor/runtime";

describe("processor runtime: the heap AWS Lambda's Node.js runtime gives a function", () => {
    it("gives a tenth of the memory to the new space (half of it per semi-space) and the rest to the old space", () => {
        expect(lambdaNodeHeapFlags(PROCESSOR_MEMORY_MIB)).to.deep.equal(["--max-semi-space-size=51", "--max-old-space-size=922"]);
        expect(lambdaNodeHeapFlags(512)).to.deep.equal(["--max-semi-space-size=25", "--max-old-space-size=461"]);
        expect(lambdaNodeHeapFlags(128)).to.deep.equal(["--max-semi-space-size=6", "--max-old-space-size=116"]);
    });

    it("fails when the memory is not a Lambda memory size, naming the value", () => {
        expect(() => lambdaNodeHeapFlags(100)).to.throw("lambdaNodeHeapFlags: `memoryMiB` must be a Lambda memory size, an integer from 128 to 10240; received 100");
        expect(() => lambdaNodeHeapFlags(1024.5)).to.throw("received 1024.5");
    });
});
