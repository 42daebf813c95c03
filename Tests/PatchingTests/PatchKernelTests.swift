import TensorCore
import Testing
@testable import Patching

@Suite struct PatchKernelTests {
    let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])

    func apply(_ op: PatchKernel.Operation, _ index: String, _ value: Tensor?, to t: Tensor? = nil) throws -> [Float] {
        let target = t ?? x
        let region = try IndexExpression.parse(index).region(in: target.shape)
        return try PatchKernel.apply(op, region: region, value: value, to: target).scalars(as: Float.self)
    }

    @Test func zeroesARegion() throws {
        #expect(try apply(.zero, ":, -1", nil) == [1, 2, 0, 4, 5, 0])
        #expect(try apply(.zero, "...", nil) == [0, 0, 0, 0, 0, 0])
        #expect(x.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6], "the input is untouched")
    }

    @Test func addsMultipliesAndReplacesWithBroadcast() throws {
        #expect(try apply(.add, "1", Tensor(scalar: Float(10))) == [1, 2, 3, 14, 15, 16])
        #expect(try apply(.mul, "::-1, 0:2", Tensor([2, 3] as [Float])) == [2, 6, 3, 8, 15, 6])
        #expect(try apply(.replace, ":, 1", Tensor([7, 8] as [Float])) == [1, 7, 3, 4, 8, 6])
    }

    @Test func worksOnIntegers() throws {
        let ids = Tensor(shape: [3], scalars: [5, 6, 7] as [Int64])
        let region = try IndexExpression.parse("1:").region(in: [3])
        let out = try PatchKernel.apply(.add, region: region, value: Tensor(scalar: Int64(-5)), to: ids)
        #expect(out.scalars(as: Int64.self) == [5, 1, 2])
    }

    @Test func refusesValuesThatDoNotBroadcast() {
        #expect { try apply(.replace, ":, 1", Tensor([1, 2, 3] as [Float])) } throws: {
            "\($0)".contains("shape [3] does not broadcast to the region's shape [2]")
        }
    }
}
