// One async work item per GEMM / gather / PRG call: the kernel runs on a
// libuv worker thread (which fans out to the core's thread pool) and settles
// a Promise. References keep every input and output array alive until then.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <utility>
#include <vector>

namespace lutmpc_addon {

class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, const char* name, std::function<void()> work, const std::vector<Napi::Object>& keep,
               Napi::Object result)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)) {
    for (const auto& o : keep) refs_.push_back(Napi::Persistent(o));
    result_ = Napi::Persistent(result);
  }

  Napi::Promise promise() { return deferred_.Promise(); }

  /**
   * Queue the work and return its Promise. Work too small to matter
   * (`small`: well under 0.1 ms) runs right here instead: the thread hop and
   * Promise settlement of a queued worker cost more than the kernel itself.
   */
  static Napi::Value run(Napi::Env env, const char* name, std::function<void()> work, const std::vector<Napi::Object>& keep,
                         Napi::Object result, bool small = false) {
    if (small) {
      Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
      try {
        work();
        d.Resolve(result);
      } catch (const std::exception& e) {
        d.Reject(Napi::Error::New(env, std::string("lutmpc native kernel failed: ") + e.what()).Value());
      }
      return d.Promise();
    }
    auto* w = new KernelWorker(env, name, std::move(work), keep, result);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      SetError(std::string("lutmpc native kernel failed: ") + e.what());
    } catch (...) {
      SetError("lutmpc native kernel failed");
    }
  }
  void OnOK() override { deferred_.Resolve(result_.Value()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::vector<Napi::ObjectReference> refs_;
  Napi::ObjectReference result_;
};

}  // namespace lutmpc_addon
