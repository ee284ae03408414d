package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// encodeProps is the props column: a JSON object with the keys in order
// (as analytics.Event keeps them), "" without props.
func encodeProps(props []analytics.Prop) string {
	if len(props) == 0 {
		return ""
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range props {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Key)
		v, _ := json.Marshal(p.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// decodeProps reads the props column back, keys sorted.
func decodeProps(s string) ([]analytics.Prop, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("event props: %w", err)
	}
	out := make([]analytics.Prop, 0, len(m))
	for k, v := range m {
		out = append(out, analytics.Prop{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b analytics.Prop) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
