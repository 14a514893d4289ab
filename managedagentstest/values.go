package managedagentstest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Metadata limits. The API's schema and its error messages say 16 keys;
// one guide says 8, and the fake follows the 16.
const (
	maxMetadataKeys   = 16
	maxMetadataKeyLen = 64
	maxMetadataValLen = 512
)

// parseMetadata reads the create body's metadata: an object of strings.
// Omitted and null both mean none.
func parseMetadata(raw json.RawMessage) (map[string]string, *apiError) {
	m := map[string]string{}
	if raw == nil || isNull(raw) {
		return m, nil
	}
	o, err := parseObject(raw, "metadata")
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		s, err := parseString(o[k], at("metadata", k))
		if err != nil {
			return nil, errInvalidCode("invalid_metadata", "%s", err.message)
		}
		m[k] = s
	}
	return m, checkMetadata(m)
}

// patchMetadata applies an update's metadata patch to a copy of cur: a string
// upserts its key, null deletes it, keys not sent are kept. The limits apply
// to the result.
//
// The API does not document a whole-field "metadata": null; the fake rejects
// it with 400 rather than guess between "clear all" and "no change".
func patchMetadata(cur map[string]string, raw json.RawMessage) (map[string]string, *apiError) {
	if isNull(raw) {
		return nil, errInvalid("metadata: must be an object; to delete a key, map it to null")
	}
	o, err := parseObject(raw, "metadata")
	if err != nil {
		return nil, err
	}
	m := maps.Clone(cur)
	for _, k := range slices.Sorted(maps.Keys(o)) {
		v := o[k]
		if isNull(v) {
			delete(m, k)
			continue
		}
		s, err := parseString(v, at("metadata", k))
		if err != nil {
			return nil, errInvalidCode("invalid_metadata", "%s; expected a string or null", err.message)
		}
		m[k] = s
	}
	return m, checkMetadata(m)
}

// checkMetadata enforces the limits with error_code invalid_metadata.
func checkMetadata(m map[string]string) *apiError {
	if len(m) > maxMetadataKeys {
		return errInvalidCode("invalid_metadata", "metadata has %d keys; the limit is %d.", len(m), maxMetadataKeys)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch {
		case k == "":
			return errInvalidCode("invalid_metadata", "metadata keys must not be empty.")
		case runes(k) > maxMetadataKeyLen:
			return errInvalidCode("invalid_metadata", "metadata key %q has %d characters; the limit is %d.", k, runes(k), maxMetadataKeyLen)
		case runes(m[k]) > maxMetadataValLen:
			return errInvalidCode("invalid_metadata", "metadata value for key %q has %d characters; the limit is %d.", k, runes(m[k]), maxMetadataValLen)
		}
	}
	return nil
}

// money is an amount in integer minor units, as a decimal string.
type money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// budget is a session budget; "limit" is the only known type.
type budget struct {
	Type        string `json:"type"`
	MaxListCost money  `json:"max_list_cost"`
}

// parseBudget reads a Budget param (not null: callers handle null).
func parseBudget(raw json.RawMessage) (*budget, *apiError) {
	const p = "budget"
	o, err := parseObject(raw, p)
	if err != nil {
		return nil, err
	}
	if err := o.only(p, "type", "max_list_cost"); err != nil {
		return nil, err
	}
	typ, err := o.requiredString("type", p)
	if err != nil {
		return nil, err
	}
	if typ != "limit" {
		return nil, errInvalid(`budget.type: unknown value %q; expected "limit"`, typ)
	}
	raw, ok := o["max_list_cost"]
	if !ok || isNull(raw) {
		return nil, errInvalid("budget.max_list_cost: field is required")
	}
	m, err := parseMoney(raw, "budget.max_list_cost")
	if err != nil {
		return nil, err
	}
	return &budget{Type: "limit", MaxListCost: m}, nil
}

func parseMoney(raw json.RawMessage, p string) (money, *apiError) {
	o, err := parseObject(raw, p)
	if err != nil {
		return money{}, err
	}
	if err := o.only(p, "amount", "currency"); err != nil {
		return money{}, err
	}
	amount, err := o.requiredString("amount", p)
	if err != nil {
		return money{}, err
	}
	if strings.Trim(amount, "0123456789") != "" {
		return money{}, errInvalid("%s.amount: %q is not a whole number of minor units", p, amount)
	}
	currency, err := o.requiredString("currency", p)
	if err != nil {
		return money{}, err
	}
	if currency != "USD" {
		return money{}, errInvalid(`%s.currency: unknown value %q; expected "USD"`, p, currency)
	}
	return money{Amount: amount, Currency: currency}, nil
}

// compareAmounts compares two amounts of decimal digits of any length.
func compareAmounts(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
