package gateway

// The walkers of the chat fast paths. Each comes in two forms: one hands
// a member or element its value as a slice, found by skipping over it
// first; the other (...At) hands it the index where the value starts and
// takes back the index just past it, so that a decoder of a nested
// object walks it once rather than skipping it and walking it again.
// The stream's chunks, decoded one per event, take the second form.

// walkFields walks the JSON object at data[i] as walkObject does, calling
// field with the index in names of each member named there and other
// with the rest (nil: ignoredMember, which skips what encoding/json would
// skip). A name that comes twice stops the walk: encoding/json keeps the
// last, which the fast paths leave to it. names has at most 64 entries.
func walkFields(data []byte, i int, names []string, other func(name, val []byte) bool, field func(i int, val []byte) bool) (int, bool) {
	return walkFieldsAt(data, i, names, func(name []byte, i int) int {
		end := skipValue(data, i)
		if end <= i {
			return -1
		}
		if other == nil {
			if !ignoredMember(name, data[i:end], names) {
				return -1
			}
		} else if !other(name, data[i:end]) {
			return -1
		}
		return end
	}, func(k, i int) int {
		end := skipValue(data, i)
		if end <= i || !field(k, data[i:end]) {
			return -1
		}
		return end
	})
}

// walkFieldsAt is walkFields with members that take their value where it
// starts in data and return the index just past it, or -1 to stop.
func walkFieldsAt(data []byte, i int, names []string, other func(name []byte, i int) int, field func(k, i int) int) (int, bool) {
	var seen uint64
	return walkObjectAt(data, i, func(name []byte, i int) int {
		k := fieldIndex(name, names)
		if k < 0 {
			return other(name, i)
		}
		if seen&(1<<k) != 0 {
			return -1
		}
		seen |= 1 << k
		return field(k, i)
	})
}

// ignoredAt skips the value at data[i] of a member no field takes, as
// ignoredMember allows, and returns the index just past it, or -1.
func ignoredAt(data []byte, name []byte, i int, names []string) int {
	end := skipValue(data, i)
	if end <= i || !ignoredMember(name, data[i:end], names) {
		return -1
	}
	return end
}

// valueAt hands decode the value at data[i] as a slice and returns the
// index just past it, or -1 when decode refuses it.
func valueAt(data []byte, i int, decode func(val []byte) bool) int {
	end := skipValue(data, i)
	if end <= i || !decode(data[i:end]) {
		return -1
	}
	return end
}

// walkObject calls member with the name and value of each member of the
// JSON object at data[i], and returns the index just past the object.
// It checks the punctuation, not the values: member must.
func walkObject(data []byte, i int, member func(name, val []byte) bool) (int, bool) {
	return walkObjectAt(data, i, func(name []byte, i int) int {
		end := skipValue(data, i)
		if end <= i || !member(name, data[i:end]) {
			return -1
		}
		return end
	})
}

// walkObjectAt is walkObject with a member that takes its value where it
// starts in data and returns the index just past it, or -1 to stop.
func walkObjectAt(data []byte, i int, member func(name []byte, i int) int) (int, bool) {
	if i >= len(data) || data[i] != '{' {
		return 0, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, false
		}
		end := skipString(data, i)
		name, ok := objectName(data[i:end])
		if !ok {
			return 0, false
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return 0, false
		}
		i = skipSpace(data, i+1)
		if i >= len(data) {
			return 0, false
		}
		vend := member(name, i)
		if vend <= i {
			return 0, false
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// decodeArray decodes a JSON array into *dst, an element at a time with
// elem; null leaves *dst as it was, as encoding/json does.
func decodeArray[T any](val []byte, dst *[]T, elem func([]byte, *T) bool) bool {
	end := decodeArrayAt(val, 0, dst, func(data []byte, i int, v *T) int {
		return valueAt(data, i, func(val []byte) bool { return elem(val, v) })
	})
	return end == len(val)
}

// decodeArrayAt is decodeArray of the array at data[i], with an elem that
// takes its element where it starts and returns the index just past it
// (or -1); it returns the index just past the array, or -1.
func decodeArrayAt[T any](data []byte, i int, dst *[]T, elem func(data []byte, i int, v *T) int) int {
	if hasNull(data, i) {
		return i + len("null")
	}
	out := make([]T, 0, 1)
	end := walkArrayAt(data, i, func(i int) int {
		out = append(out, *new(T))
		return elem(data, i, &out[len(out)-1])
	})
	if end >= 0 {
		*dst = out
	}
	return end
}

// hasNull reports whether the literal null starts at data[i].
func hasNull(data []byte, i int) bool {
	return len(data)-i >= 4 && string(data[i:i+4]) == "null"
}

// walkArray calls elem with each element of the JSON array val (no
// space around it) and checks the punctuation between them.
func walkArray(val []byte, elem func(v []byte) bool) bool {
	return walkArrayAt(val, 0, func(i int) int {
		return valueAt(val, i, elem)
	}) == len(val)
}

// walkArrayAt is walkArray of the array at data[i], with an elem that
// takes its element where it starts and returns the index just past it,
// or -1 to stop; it returns the index just past the array, or -1.
func walkArrayAt(data []byte, i int, elem func(i int) int) int {
	if i >= len(data) || data[i] != '[' {
		return -1
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1
	}
	for {
		if i >= len(data) {
			return -1
		}
		end := elem(i)
		if end <= i {
			return -1
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}
