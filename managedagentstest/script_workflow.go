package managedagentstest

import (
	"fmt"
	"strings"
	"time"
)

// Workflow runs: the default script's workflow: lines (see DefaultScript
// for the events a run emits).

// workflowPlan is a parsed workflow: argument.
type workflowPlan struct {
	name   string
	phases []workflowPhase
}

type workflowPhase struct{ agent, task string }

// parseWorkflow reads "<run name> <agent> <task>[; <agent> <task>]...".
func parseWorkflow(arg string) (workflowPlan, bool) {
	name, rest, ok := parseDelegate(arg)
	if !ok || rest == "" {
		return workflowPlan{}, false
	}
	wp := workflowPlan{name: name}
	for seg := range strings.SplitSeq(rest, ";") {
		agent, task, ok := parseDelegate(seg)
		if !ok {
			return workflowPlan{}, false
		}
		wp.phases = append(wp.phases, workflowPhase{agent, task})
	}
	return wp, true
}

// runWorkflow plays a workflow run and returns the coordinator's reply
// line about it.
func (r *scriptRun) runWorkflow(arg string) string {
	wp, _ := parseWorkflow(arg)
	t := r.t
	var runID string
	phaseIDs := make([]string, len(wp.phases))
	r.step(func(now time.Time) {
		f := t.f
		runID = f.ids.next("wfrun_")
		phases := make([]orderedObject, len(wp.phases))
		for i, ph := range wp.phases {
			phaseIDs[i] = f.ids.next("wfph_")
			phases[i] = orderedObject{{"id", phaseIDs[i]}, {"name", ph.agent}, {"description", ph.task}}
		}
		f.appendEvent(t.s, "workflow_run.created", now, field{"workflow_run_id", runID},
			field{"name", wp.name}, field{"description", nil}, field{"phases", phases})
	})
	r.step(func(now time.Time) {
		t.f.appendEvent(t.s, "workflow_run.status_running", now, field{"workflow_run_id", runID})
	})
	var threads []*thread
	var replies []string
	var failure orderedObject
	for i, ph := range wp.phases {
		var started string
		r.step(func(now time.Time) {
			started = t.f.appendEvent(t.s, "workflow_run.phase_started", now,
				field{"workflow_run_id", runID}, field{"workflow_run_phase_id", phaseIDs[i]}).id
		})
		var c *ChildThread
		r.step(func(now time.Time) {
			f, s := t.f, t.s
			if f.runningThreads(s) >= maxRunningThreads {
				failure = orderedObject{{"type", "thread_limit_error"},
					{"message", fmt.Sprintf("%d threads of the session are running; phase %s cannot start.", maxRunningThreads, ph.agent)}}
				f.appendEvent(s, "workflow_run.error", now, field{"workflow_run_id", runID}, field{"error", failure})
				return
			}
			th := f.spawnThread(s, ph.agent, &runID, now)
			threads = append(threads, th)
			c = t.startChild(th)
		})
		if c != nil {
			r.step(func(now time.Time) { t.f.setThreadStatus(t.s, c.th, statusRunning, now, nil, nil) })
			if r.err == nil {
				reply := r.childTurn(c, ph.task)
				replies = append(replies, ph.agent+": "+reply)
			}
			r.step(c.endTurn)
		}
		r.step(func(now time.Time) {
			t.f.appendEvent(t.s, "workflow_run.phase_ended", now, field{"workflow_run_id", runID},
				field{"workflow_run_phase_id", phaseIDs[i]}, field{"phase_started_id", started})
		})
		if failure != nil {
			break
		}
	}
	for _, th := range threads {
		r.step(func(now time.Time) { t.f.setThreadStatus(t.s, th, statusTerminated, now, nil, nil) })
	}
	result := orderedObject{{"type", "completed"}}
	line := fmt.Sprintf("Workflow %s completed: %s", wp.name, strings.Join(replies, "; "))
	if failure != nil {
		result = orderedObject{{"type", "error"}, {"error", failure}}
		line = fmt.Sprintf("Workflow %s ended in error: %s", wp.name, failure[1].value)
	}
	r.step(func(now time.Time) {
		t.f.appendEvent(t.s, "workflow_run.status_ended", now, field{"workflow_run_id", runID}, field{"result", result})
	})
	return line
}

// step runs fn as one step of the turn (see Turn.threadStep), unless an
// earlier one failed; the first error is kept.
func (r *scriptRun) step(fn func(now time.Time)) {
	if r.err != nil {
		return
	}
	r.err = r.t.threadStep(func(now time.Time) error {
		fn(now)
		return nil
	})
}
