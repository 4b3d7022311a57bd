// A blocking function needs a blocking client: the async one would need a runtime to run on.
use quarry_tests::blocking::tasks;

fn run(client: &quarry::Client) {
    let _ = tasks::count_tasks(client, None);
}

fn main() {}
