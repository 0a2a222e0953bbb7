package gateway

import (
	"context"
	"fmt"
	"time"
)

// Budget caps spending, in micros: per calendar day and per calendar
// month (UTC). Zero leaves a period uncapped.
type Budget struct {
	Daily   Micros
	Monthly Micros
}

// Validate reports a negative cap as CodeInvalid, naming it under field
// ("budget.daily").
func (b Budget) Validate(field string) error {
	if b.Daily < 0 {
		return Invalid(field+".daily", "a daily budget must not be negative")
	}
	if b.Monthly < 0 {
		return Invalid(field+".monthly", "a monthly budget must not be negative")
	}
	return nil
}

// IsZero reports whether b caps nothing.
func (b Budget) IsZero() bool { return b == Budget{} }

// budgetPeriod is one capped period of an account's or a key's budget:
// the funds it is kept under in the Cache (what is left of the cap, from
// the cap itself), and how it is named to a client.
type budgetPeriod struct {
	funds  string
	cap    Micros
	name   string
	period string // daily or monthly
	ends   time.Time
}

// budgetPeriods lists the capped periods that apply to c's request at
// now: its account's and its key's, daily and monthly.
func budgetPeriods(c *Caller, now time.Time) []budgetPeriod {
	now = now.UTC()
	day := now.Format("20060102")
	month := now.Format("200601")
	dayEnds := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	monthEnds := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	var out []budgetPeriod
	add := func(who, id string, b Budget) {
		if b.Daily > 0 {
			out = append(out, budgetPeriod{funds: "budget:" + id + ":d" + day, cap: b.Daily, name: "the daily budget of the " + who, period: "daily", ends: dayEnds})
		}
		if b.Monthly > 0 {
			out = append(out, budgetPeriod{funds: "budget:" + id + ":m" + month, cap: b.Monthly, name: "the monthly budget of the " + who, period: "monthly", ends: monthEnds})
		}
	}
	add("account", c.Account.ID, c.Account.Budget)
	if c.Key != nil {
		add("key", c.Key.ID, c.Key.Budget)
	}
	return out
}

// holdBudgets holds most against every capped period of c's budgets,
// all or none: CodeNoCredits naming the first budget it does not fit.
func (g *Gateway) holdBudgets(ctx context.Context, c *Caller, in *inflight, most Micros) error {
	for _, p := range budgetPeriods(c, g.clock.Now()) {
		granted, f, err := g.cache.HoldFunds(ctx, p.funds, in.rec.ID, most, p.cap, g.cfg.HoldTTL)
		if err != nil {
			return &Error{Code: CodeUnavailable, Message: "the spend budget cannot be checked now", Err: err}
		}
		if !granted {
			return &Error{Code: CodeNoCredits, Type: "budget_exceeded", Message: fmt.Sprintf(
				"%s (%s) does not cover this request, which may cost up to %s: %s is left until %s",
				p.name, p.cap.String(), most.String(), max(f.Balance-f.Held, 0).String(), p.ends.Format(time.RFC3339))}
		}
		in.holds = append(in.holds, heldFunds{funds: p.funds, seed: p.cap, expires: p.ends})
	}
	return nil
}
