import Foundation
import NIOCore
import NIOPosix
@testable import PedidosSupport
import Testing

/// The one wake signal of the package: procesamiento's dispatcher waits on it until a deadline (kept by its
/// event loop's timer), the mail lanes of notificaciones wait on it with a timeout.
@Suite("WakeSignal")
struct WakeSignalTests {
    @Test("a signal raised while nobody waits is remembered once")
    func remembersOneSignal() async {
        let signal = WakeSignal()
        signal.signal()
        signal.signal()
        let clock = ContinuousClock()
        let first = await clock.measure { await signal.wait(timeout: .seconds(30)) }
        #expect(first < .seconds(5), "the remembered signal ends the first wait at once")
        let second = await clock.measure { await signal.wait(timeout: .milliseconds(200)) }
        #expect(second >= .milliseconds(150), "only one signal was remembered")
    }

    @Test("one signal wakes every current waiter", .timeLimit(.minutes(2)))
    func wakesEveryWaiter() async throws {
        let signal = WakeSignal()
        let woken = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<3 {
                group.addTask {
                    if index == 0 { await signal.wait(until: nil) } else { await signal.wait(timeout: .seconds(60)) }
                    return 1
                }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while signal.waiterCount < 3 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(signal.waiterCount == 3)
            let signalled = ContinuousClock.now
            signal.signal()
            let woken = try await group.reduce(0, +)
            #expect(ContinuousClock.now - signalled < .seconds(5), "no waiter was left to its timeout")
            return woken
        }
        #expect(woken == 3, "one signal woke all three")
    }

    @Test("a wait ends at its deadline or timeout without a signal")
    func endsAtDeadline() async {
        let signal = WakeSignal()
        let clock = ContinuousClock()
        let byDeadline = await clock.measure { await signal.wait(until: Date().addingTimeInterval(0.2)) }
        #expect(byDeadline >= .milliseconds(150) && byDeadline < .seconds(10))
        let byTimeout = await clock.measure { await signal.wait(timeout: .milliseconds(200)) }
        #expect(byTimeout >= .milliseconds(150) && byTimeout < .seconds(10))
        let pastDeadline = await clock.measure { await signal.wait(until: Date().addingTimeInterval(-1)) }
        #expect(pastDeadline < .seconds(5))
    }

    @Test("cancelling the waiting task ends the wait and leaves the signal usable")
    func cancellationEndsTheWait() async {
        let signal = WakeSignal()
        let waiter = Task { await signal.wait(until: nil) }
        waiter.cancel()
        await waiter.value
        signal.signal()
        let clock = ContinuousClock()
        let next = await clock.measure { await signal.wait(timeout: .seconds(30)) }
        #expect(next < .seconds(5), "the signal raised after the cancelled wait is still delivered")
    }

    @Test("on an event loop: a waiter that prefers the loop ends its wait at the loop's timer or at a signal, and resumes on the loop",
          .timeLimit(.minutes(2)))
    func waitsOnAnEventLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let executor = EventLoopTaskExecutor(eventLoop: loop)
        let signal = WakeSignal()

        let byDeadline = await Task(executorPreference: executor) {
            let started = ContinuousClock.now
            await signal.wait(until: Date().addingTimeInterval(0.2), on: loop)
            return (ContinuousClock.now - started, loop.inEventLoop)
        }.value
        #expect(byDeadline.0 >= .milliseconds(150) && byDeadline.0 < .seconds(10), "the loop's timer ended the wait")
        #expect(byDeadline.1, "the waiter resumed on the loop's thread")

        let waiter = Task(executorPreference: executor) {
            await signal.wait(until: Date().addingTimeInterval(600), on: loop)
            return loop.inEventLoop
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while signal.waiterCount < 1 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(signal.waiterCount == 1)
        signal.signal()
        #expect(await waiter.value, "a signal wakes the waiter long before its deadline, on the loop")
        #expect(signal.waiterCount == 0)

        let pastDeadline = await Task(executorPreference: executor) {
            let started = ContinuousClock.now
            await signal.wait(until: Date().addingTimeInterval(-1), on: loop)
            return ContinuousClock.now - started
        }.value
        #expect(pastDeadline < .seconds(5), "a deadline already past ends the wait at once")
        try await group.shutdownGracefully()
    }
}
