package xrdgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// DocInfo is what RenderDoc needs besides the XRD.
type DocInfo struct {
	// Command regenerates the document, e.g. go generate ./apis/... .
	Command string
	// Source is the directory holding the Go types, e.g. apis/v1alpha1.
	Source string
	// XRDPath is the XRD file, relative to the document.
	XRDPath string
}

// Field is one row of an API reference table.
type Field struct {
	// Path is the field path below the table's root, e.g.
	// parameters.nodeGroups[].name.
	Path string
	// Type is a Go-like type, e.g. string, integer, []string,
	// map[string]string, object.
	Type string
	// Required is true when the parent object requires the field.
	Required bool
	// Default is the field's default value as compact JSON, or empty.
	Default string
	// Validation lists the field's constraints.
	Validation []string
	// Description is the field's description on one line.
	Description string
}

// Fields flattens the schema s, depth first with properties sorted by name,
// into rows whose paths start with prefix.
func Fields(prefix string, s extv1.JSONSchemaProps) []Field {
	var out []Field
	walk(prefix, s, &out)
	return out
}

func walk(prefix string, s extv1.JSONSchemaProps, out *[]Field) {
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := s.Properties[n]
		fp := n
		if prefix != "" {
			fp = prefix + "." + n
		}
		*out = append(*out, Field{
			Path:        fp,
			Type:        typeOf(p),
			Required:    slices.Contains(s.Required, n),
			Default:     defaultOf(p),
			Validation:  validationOf(p),
			Description: oneLine(p.Description),
		})
		walkChildren(fp, p, out)
	}
}

// walkChildren descends into the object, array item or map value schema of p.
func walkChildren(fp string, p extv1.JSONSchemaProps, out *[]Field) {
	switch {
	case len(p.Properties) > 0:
		walk(fp, p, out)
	case p.Items != nil && p.Items.Schema != nil:
		walkChildren(fp+"[]", *p.Items.Schema, out)
	case p.AdditionalProperties != nil && p.AdditionalProperties.Schema != nil:
		walkChildren(fp+"[*]", *p.AdditionalProperties.Schema, out)
	}
}

func typeOf(s extv1.JSONSchemaProps) string {
	switch {
	case s.XIntOrString:
		return "int or string"
	case s.Type == "array" && s.Items != nil && s.Items.Schema != nil:
		return "[]" + typeOf(*s.Items.Schema)
	case s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
		return "map[string]" + typeOf(*s.AdditionalProperties.Schema)
	case s.Type == "object" && len(s.Properties) == 0 && s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields:
		return "object (any fields)"
	case s.Type == "":
		return "any"
	case s.Format != "":
		return s.Type + " (" + s.Format + ")"
	}
	return s.Type
}

func defaultOf(s extv1.JSONSchemaProps) string {
	if s.Default == nil {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, s.Default.Raw); err != nil {
		return string(s.Default.Raw)
	}
	return buf.String()
}

func validationOf(s extv1.JSONSchemaProps) []string {
	v := constraints(s)
	// Constraints on the items of a list of scalars belong to the list's
	// row; object items get their own rows.
	if s.Items != nil && s.Items.Schema != nil && len(s.Items.Schema.Properties) == 0 {
		for _, c := range constraints(*s.Items.Schema) {
			v = append(v, "each item: "+c)
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil && len(s.AdditionalProperties.Schema.Properties) == 0 {
		for _, c := range constraints(*s.AdditionalProperties.Schema) {
			v = append(v, "each value: "+c)
		}
	}
	return v
}

func constraints(s extv1.JSONSchemaProps) []string {
	var v []string
	if len(s.Enum) > 0 {
		vals := make([]string, 0, len(s.Enum))
		for _, e := range s.Enum {
			vals = append(vals, "`"+string(e.Raw)+"`")
		}
		v = append(v, "one of "+strings.Join(vals, ", "))
	}
	if s.Pattern != "" {
		v = append(v, "pattern `"+s.Pattern+"`")
	}
	if s.Minimum != nil {
		op := ">="
		if s.ExclusiveMinimum {
			op = ">"
		}
		v = append(v, op+" "+formatFloat(*s.Minimum))
	}
	if s.Maximum != nil {
		op := "<="
		if s.ExclusiveMaximum {
			op = "<"
		}
		v = append(v, op+" "+formatFloat(*s.Maximum))
	}
	if s.MultipleOf != nil {
		v = append(v, "multiple of "+formatFloat(*s.MultipleOf))
	}
	for _, l := range []struct {
		name string
		val  *int64
	}{
		{"min length", s.MinLength}, {"max length", s.MaxLength},
		{"min items", s.MinItems}, {"max items", s.MaxItems},
		{"min properties", s.MinProperties}, {"max properties", s.MaxProperties},
	} {
		if l.val != nil {
			v = append(v, fmt.Sprintf("%s %d", l.name, *l.val))
		}
	}
	if s.UniqueItems {
		v = append(v, "unique items")
	}
	if s.XListType != nil {
		switch *s.XListType {
		case "set":
			v = append(v, "unique items")
		case "map":
			v = append(v, "unique by "+strings.Join(s.XListMapKeys, ", "))
		}
	}
	if s.Nullable {
		v = append(v, "nullable")
	}
	for _, r := range s.XValidations {
		c := "rule `" + r.Rule + "`"
		if r.Message != "" {
			c += ": " + r.Message
		}
		v = append(v, c)
	}
	return v
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell escapes s for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// RenderDoc renders the Markdown API reference of the XRD.
func RenderDoc(xrd *CompositeResourceDefinition, info DocInfo) []byte {
	var b strings.Builder
	sp := xrd.Spec
	fmt.Fprintf(&b, "<!-- Code generated by %s from %s. DO NOT EDIT. -->\n\n", info.Command, info.Source)
	fmt.Fprintf(&b, "# %s API reference\n\n", sp.Names.Kind)
	fmt.Fprintf(&b, "> Generated by `%s` from the Go types in `%s`; edit those and regenerate.\n\n", info.Command, info.Source)

	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Group | `%s` |\n", sp.Group)
	versions := make([]string, 0, len(sp.Versions))
	for _, v := range sp.Versions {
		versions = append(versions, "`"+v.Name+"`")
	}
	fmt.Fprintf(&b, "| Versions | %s |\n", strings.Join(versions, ", "))
	fmt.Fprintf(&b, "| Composite resource | `%s` (`%s`), scope %s |\n", sp.Names.Kind, sp.Names.Plural, sp.Scope)
	if sp.ClaimNames != nil {
		fmt.Fprintf(&b, "| Claim | `%s` (`%s`), namespaced |\n", sp.ClaimNames.Kind, sp.ClaimNames.Plural)
	}
	if len(sp.Names.Categories) > 0 {
		fmt.Fprintf(&b, "| Categories | %s |\n", strings.Join(sp.Names.Categories, ", "))
	}
	if sp.DefaultCompositionRef != nil {
		fmt.Fprintf(&b, "| Default Composition | `%s` |\n", sp.DefaultCompositionRef.Name)
	}
	fmt.Fprintf(&b, "| XRD | [`%s`](%s) |\n", path.Base(info.XRDPath), info.XRDPath)

	for _, v := range sp.Versions {
		fmt.Fprintf(&b, "\n## %s\n", v.Name)
		if v.Deprecated {
			b.WriteString("\nDeprecated.")
			if v.DeprecationWarning != nil {
				b.WriteString(" " + *v.DeprecationWarning)
			}
			b.WriteString("\n")
		}
		if v.Schema == nil {
			continue
		}
		s := v.Schema.OpenAPIV3Schema
		if s.Description != "" {
			fmt.Fprintf(&b, "\n%s\n", s.Description)
		}
		if len(v.AdditionalPrinterColumns) > 0 {
			b.WriteString("\n### Printer columns\n\n| Column | JSONPath | Type | Shown by default |\n|---|---|---|---|\n")
			for _, c := range v.AdditionalPrinterColumns {
				shown := "yes"
				if c.Priority > 0 {
					shown = "with `-o wide`"
				}
				fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", cell(c.Name), cell(c.JSONPath), c.Type, shown)
			}
		}
		for _, part := range []string{"spec", "status"} {
			ps, ok := s.Properties[part]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "\n### %s\n\n", part)
			if ps.Description != "" {
				b.WriteString(oneLine(ps.Description) + "\n\n")
			}
			b.WriteString("| Field | Type | Required | Default | Validation | Description |\n|---|---|---|---|---|---|\n")
			for _, f := range Fields(part, ps) {
				req := ""
				if f.Required {
					req = "yes"
				}
				def := ""
				if f.Default != "" {
					def = "`" + f.Default + "`"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n",
					f.Path, cell(f.Type), req, cell(def), cell(strings.Join(f.Validation, "; ")), cell(f.Description))
			}
		}
	}
	return []byte(b.String())
}
