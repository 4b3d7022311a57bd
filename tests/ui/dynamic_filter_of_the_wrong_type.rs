// An optional filter takes its parameter's type: `status` is text, `priorities` an int4 array.
use quarry_tests::dynamic::tickets::SearchTicketsOptions;

fn main() {
    let _ = SearchTicketsOptions {
        status: Some(3),
        priorities: Some(&["high"]),
        ..Default::default()
    };
}
